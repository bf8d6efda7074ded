import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { NotificationMessage } from '#events/notification';

const maxBatchEntries = 10;

/** The notifications queue, as every producer writes to it (case events, reminders, payments, the digest). */
export class NotificationQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string
  ) {}

  /**
   * Queues every message or throws. A throw makes the producer try again (a stream record is
   * retried, a reminder released for the next run), which queues the messages that did get
   * through again: the mailer recognises them by their notification id.
   */
  async send(messages: readonly NotificationMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += maxBatchEntries) {
      const entries = messages.slice(start, start + maxBatchEntries).map((message) => ({
        Id: message.notificationId,
        MessageBody: JSON.stringify(message),
      }));
      const { Failed = [] } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      if (Failed.length > 0) {
        const codes = [...new Set(Failed.map((failure) => failure.Code))].join(', ');
        throw new Error(`${Failed.length} of ${entries.length} notification messages were not queued (${codes})`);
      }
    }
  }
}
