import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PaymentMessage } from '#events/payment';

/**
 * The FIFO payments queue. The case is the message group, so a case's requests are reserved one
 * after the other in the order they were made; the payment id (derived from the requester's
 * Idempotency-Key) is the deduplication id, so a retried request is queued once.
 */
export class PaymentQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  async enqueue(message: PaymentMessage): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: message.caseId,
        MessageDeduplicationId: message.paymentId,
      })
    );
  }
}
