import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { dynamoDbClient } from '#adapters/dynamodb';
import { busEnvelopeSchema, type DomainEventOf, type DomainEventType, domainEventTypes } from '#events/domain-events';
import { requiredEnv } from './env.ts';
import { observed } from './powertools.ts';

export type EventHandler<T extends DomainEventType> = (event: DomainEventOf<T>) => Promise<void>;

/**
 * How long an event handled by a consumer is remembered. A stream record is retried for a day at
 * most (infra/constructs/case-stream-consumer.ts) and a queue keeps a message four days, so a
 * repeat inside that window is recognised; a replay from the archive later than this runs the
 * handler again, which is why every handler is idempotent on its own too.
 */
const rememberedSeconds = 7 * 24 * 60 * 60;

/**
 * Reads a queue message as the bus delivered it: the envelope, then the detail through its type's
 * schema. A message of a type the consumer does not take, or whose detail breaks its contract,
 * is a wiring bug: it fails, and after the queue's retries lands in the dead-letter queue.
 */
const domainEventOf = <T extends DomainEventType>(record: SQSRecord, types: readonly T[]): DomainEventOf<T> => {
  const envelope = busEnvelopeSchema.safeParse(JSON.parse(record.body));
  if (!envelope.success) throw new Error(`message ${record.messageId} is not a bus event`);
  const type = envelope.data['detail-type'];
  if (!(types as readonly DomainEventType[]).includes(type))
    throw new Error(`message ${record.messageId}: ${type} is not an event this consumer takes`);
  const detail = domainEventTypes[type].schema.safeParse(envelope.data.detail);
  if (!detail.success) {
    const fields = detail.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`message ${record.messageId}: ${type} does not match its contract (${fields})`);
  }
  return { type, detail: detail.data } as DomainEventOf<T>;
};

/**
 * The Lambda handler of a consumer of domain events fed by its SQS queue: each message through
 * `forBatch`'s handler, failures reported per message (the queue redelivers them, then moves them
 * to its dead-letter queue), and each event handled once per consumer: Powertools idempotency is
 * keyed on the event id under the consumer's `name`, so a repeat (a stream record published twice,
 * a message delivered twice, an archive replayed) finds the event already handled and skips it,
 * while an event whose handling failed is forgotten and runs again when it comes back.
 */
export const eventConsumer = <T extends DomainEventType>(name: string, types: readonly T[], forBatch: () => EventHandler<T>) =>
  queueConsumer(name, 'detail.eventId', (record) => domainEventOf(record, types), forBatch);

/**
 * The same for an event an AWS service puts on a bus (S3's `Object Created`): `read` parses the
 * message body as the consumer's contract says, and the event is handled once per its envelope id.
 */
export const serviceEventConsumer = <E extends { id: string }>(
  name: string,
  read: (body: unknown, messageId: string) => E,
  forBatch: () => (event: E) => Promise<void>
) => queueConsumer(name, 'id', (record) => read(JSON.parse(record.body), record.messageId), forBatch);

const queueConsumer = <E>(
  name: string,
  eventKeyJmesPath: string,
  read: (record: SQSRecord) => E,
  forBatch: () => (event: E) => Promise<void>
) => {
  const config = new IdempotencyConfig({ eventKeyJmesPath, expiresAfterSeconds: rememberedSeconds });
  const handleOnce = makeIdempotent(
    async (event: E, handle: (event: E) => Promise<void>) => {
      await handle(event);
      return { handled: true };
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: requiredEnv('IDEMPOTENCY_TABLE_NAME'), awsSdkV3Client: dynamoDbClient }),
      config,
      keyPrefix: name,
    }
  );
  return middy<SQSEvent, SQSBatchResponse, Error, Context>()
    .use(observed())
    .handler((event, context) => {
      config.registerLambdaContext(context);
      const handle = forBatch();
      return processPartialResponse(
        event,
        async (record: SQSRecord) => {
          await handleOnce(read(record), handle);
        },
        new BatchProcessor(EventType.SQS),
        // One after the other: two copies of one event in a batch (the publisher put it twice) would
        // otherwise run at once, and the second fail as in progress instead of finding the first handled.
        { context, processInParallel: false }
      );
    });
};
