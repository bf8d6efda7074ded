import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PaymentDigestNotification, PaymentNotification } from '#events/payment-notification';

/** SQS takes at most ten messages per batch call. */
const batchSize = 10;

/**
 * The notifications queue the mailer reads. Sending is at least once: a message may arrive twice,
 * and its deterministic `id` lets the mailer send one email for it.
 */
export class PaymentNotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  async send(messages: ReadonlyArray<PaymentNotification | PaymentDigestNotification>): Promise<void> {
    for (let start = 0; start < messages.length; start += batchSize) {
      const chunk = messages.slice(start, start + batchSize);
      const { Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
            MessageAttributes: { kind: { DataType: 'String', StringValue: message.kind } },
          })),
        })
      );
      if (Failed.length > 0) {
        // Codes only: the messages are safe, but error texts are not ours to trust.
        throw new Error(`notifications not queued: ${Failed.map((failure) => failure.Code ?? 'unknown').join(', ')}`);
      }
    }
  }
}
