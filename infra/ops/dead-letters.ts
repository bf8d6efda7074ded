import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A work queue and the dead-letter queue its redrive policy names. */
export interface RedrivePair {
  readonly source: QueueRef;
  readonly deadLetter: QueueRef;
  /** Messages waiting in the dead-letter queue, as SQS approximates them. */
  readonly waiting: number;
}

export interface QueueRef {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
}

export interface MoveResult {
  readonly moved: number;
  /** Messages the source queue refused: they stay in the dead-letter queue, visible again after the visibility timeout. */
  readonly failed: number;
}

/** How long a received dead letter stays hidden while it is copied to its source queue. */
const copyVisibilitySeconds = 60;

/**
 * Pairs each queue with its dead-letter queue by reading the queues' own redrive policies, so the
 * pairs are whatever the deployed template made (infra/constructs/queue-with-dead-letter.ts). A stream's
 * on-failure queue has no source queue (its messages describe stream records, they are not the records)
 * and is not paired.
 */
export async function findRedrivePairs(sqs: SQSClient, queueUrls: readonly string[]): Promise<RedrivePair[]> {
  const queues = await Promise.all(
    queueUrls.map(async (url) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'RedrivePolicy', 'ApproximateNumberOfMessages'] })
      );
      const arn = Attributes.QueueArn ?? '';
      const deadLetterArn =
        Attributes.RedrivePolicy === undefined
          ? undefined
          : (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
      return { url, arn, name: arn.split(':').at(-1) ?? url, deadLetterArn, waiting: Number(Attributes.ApproximateNumberOfMessages ?? 0) };
    })
  );
  const byArn = new Map(queues.map((queue) => [queue.arn, queue]));
  return queues.flatMap((queue) => {
    const deadLetter = queue.deadLetterArn === undefined ? undefined : byArn.get(queue.deadLetterArn);
    if (deadLetter === undefined) return [];
    return [
      {
        source: { url: queue.url, arn: queue.arn, name: queue.name },
        deadLetter: { url: deadLetter.url, arn: deadLetter.arn, name: deadLetter.name },
        waiting: deadLetter.waiting,
      },
    ];
  });
}

/**
 * The pair whose source queue's name contains `query` (case and dashes ignored: `offer-on-eligible`
 * finds `trm-prod-LifecycleOfferOnEligibleQueue…`), or an error naming the candidates.
 */
export function pairNamed(pairs: readonly RedrivePair[], query: string): RedrivePair {
  const normalize = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const matches = pairs.filter((pair) => normalize(pair.source.name).includes(normalize(query)));
  if (matches.length === 1) return matches[0] as RedrivePair;
  const names = pairs.map((pair) => pair.source.name).join(', ');
  throw new Error(
    matches.length === 0
      ? `no queue matches '${query}'; queues with a dead-letter queue: ${names}`
      : `'${query}' matches ${matches.map((pair) => pair.source.name).join(', ')}: be more precise`
  );
}

/**
 * Moves the dead-letter queue's messages back to their source queue, body and message attributes
 * unchanged, so the consumer takes them as it first did (consumers are idempotent on the event or
 * notification id, so a message that had partly gone through is not done twice). A message is
 * deleted from the dead-letter queue only once the source queue has accepted its copy. Runs until a
 * receive finds the dead-letter queue empty (received messages stay hidden meanwhile), or `limit`.
 *
 * SQS's own StartMessageMoveTask does this on AWS; fauxqs, the local stack's SQS, does not offer it,
 * so one way serves both.
 */
export async function moveDeadLetters(
  sqs: SQSClient,
  pair: Pick<RedrivePair, 'source' | 'deadLetter'>,
  options: { limit?: number } = {}
): Promise<MoveResult> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const fifo = pair.source.url.endsWith('.fifo');
  let moved = 0;
  let failed = 0;
  while (moved + failed < limit) {
    const { Messages: messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pair.deadLetter.url,
        MaxNumberOfMessages: Math.min(10, limit - moved - failed),
        WaitTimeSeconds: 0,
        VisibilityTimeout: copyVisibilitySeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
      })
    );
    if (messages.length === 0) break;
    const entries = messages.map((message, index) => copyOf(message, index, fifo));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: pair.source.url, Entries: entries }));
    const accepted = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = messages.flatMap((message, index) =>
      accepted.has(String(index)) ? [{ Id: String(index), ReceiptHandle: message.ReceiptHandle }] : []
    );
    if (toDelete.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: pair.deadLetter.url, Entries: toDelete }));
    moved += toDelete.length;
    failed += messages.length - toDelete.length;
  }
  return { moved, failed };
}

function copyOf(message: Message, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  return {
    Id: String(index),
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes === undefined ? {} : { MessageAttributes: withoutEmptyLists(message.MessageAttributes) }),
    ...(fifo
      ? {
          MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive',
          // A new id: the original's deduplication id may still be inside SQS's five-minute window.
          MessageDeduplicationId: `redrive-${message.MessageId}`,
        }
      : {}),
  };
}

/** A received attribute carries empty list fields that SendMessage refuses (found by the chaos run on fauxqs). */
function withoutEmptyLists(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
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
