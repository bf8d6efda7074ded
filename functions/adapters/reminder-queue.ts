import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReminderMessage } from '#events/reminder';

/**
 * Puts messages on the notifications queue. Each message carries its deterministic id as an
 * attribute too, so the consumer can drop a repeat without parsing the body.
 */
export class ReminderQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  /** Sends up to ten messages; throws unless every one was accepted. */
  async send(messages: readonly ReminderMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (messages.length > 10) throw new Error('at most ten messages per batch');
    const result = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(message),
          MessageAttributes: { messageId: { DataType: 'String', StringValue: message.id } },
        })),
      })
    );
    if ((result.Failed ?? []).length > 0) {
      throw new Error(`the notifications queue refused ${result.Failed?.length} of ${messages.length} messages`);
    }
  }
}
