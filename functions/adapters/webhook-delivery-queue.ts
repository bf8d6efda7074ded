import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookDeliveryMessage } from '#events/webhooks';

/** The webhook delivery queue: one message per attempt due (infra/constructs/partner-webhooks.ts). */
export class WebhookDeliveryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  /** `delaySeconds` at most 900 (SQS's limit); the worker waits out the rest in further messages. */
  async send(message: WebhookDeliveryMessage, delaySeconds = 0): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: delaySeconds })
    );
  }
}
