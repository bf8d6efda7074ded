import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/*
 * Moves the messages of a dead-letter queue back to where they are consumed, against any SQS
 * endpoint (the local stack's fauxqs, or AWS): the one mover the chaos run uses and `npm run
 * redrive` (issue 20) is to use. A message is deleted from the dead-letter queue only once the
 * destination accepted it, so a failure part-way loses nothing (a message may be sent twice, which
 * the consumers' idempotency absorbs).
 */

export interface RedriveRequest {
  sqs: SQSClient;
  /** The dead-letter queue's URL. */
  from: string;
  /** The URL of the queue its messages are to be consumed from again. */
  to: string;
  /** How long a received message stays hidden while it is moved. */
  visibilityTimeoutSeconds?: number;
  onProgress?: (moved: number) => void;
}

export interface RedriveResult {
  from: string;
  to: string;
  moved: number;
  /** Messages the destination refused, left in the dead-letter queue (visible again after the timeout). */
  refused: number;
}

const BatchLimit = 10;

/** Moves every message of `from` to `to`, until a receive finds `from` empty. */
export async function redriveQueue(request: RedriveRequest): Promise<RedriveResult> {
  const { sqs, from, to } = request;
  const fifo = to.endsWith('.fifo');
  const result: RedriveResult = { from, to, moved: 0, refused: 0 };
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: from,
        MaxNumberOfMessages: BatchLimit,
        VisibilityTimeout: request.visibilityTimeoutSeconds ?? 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      })
    );
    if (Messages.length === 0) return result;
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: Messages.map((message, index) => toEntry(message, String(index), fifo)),
      })
    );
    result.refused += Failed.length;
    const sent = Successful.flatMap((entry) => Messages[Number(entry.Id)] ?? []);
    if (sent.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: sent.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        })
      );
    }
    result.moved += sent.length;
    request.onProgress?.(result.moved);
    // Every message of the batch refused: the destination is not taking them; stop rather than spin.
    if (sent.length === 0) return result;
  }
}

function toEntry(message: Message, id: string, fifo: boolean) {
  const attributes = message.Attributes ?? {};
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: withoutEmpty(message.MessageAttributes) }),
    ...(fifo
      ? {
          MessageGroupId: attributes.MessageGroupId ?? 'redrive',
          // The original deduplication id would be dropped as a repeat within SQS's five-minute window.
          MessageDeduplicationId: `${attributes.MessageDeduplicationId ?? message.MessageId}-redriven-${message.MessageId}`.slice(0, 128),
        }
      : {}),
  };
}

/** Receive answers empty lists that SendMessage refuses. */
function withoutEmpty(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined ? {} : { BinaryValue: value.BinaryValue }),
      },
    ])
  );
}
