import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type * as z from 'zod/mini';
import { observed } from './powertools.ts';

export type StreamRecordHandler = (record: DynamoDBRecord) => Promise<void>;

/**
 * The Lambda handler of a cases-table stream consumer: every record of the batch through the
 * record handler `forBatch` gives, failures reported per record (the mapping bisects and retries
 * them). A processor per invocation: it holds the batch's state, and the local stack and the tests
 * may run invocations of one module at once. `forBatch` runs once per batch, so a record handler
 * can share a lookup across the batch.
 */
export const streamConsumer = (forBatch: () => StreamRecordHandler) =>
  middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
    .use(observed())
    .handler((event, context) => processPartialResponse(event, forBatch(), new BatchProcessor(EventType.DynamoDBStreams), { context }));

/**
 * Reads one image of a stream record through a contract. A record that does not match is a bug or
 * a poison record: the error names the record's sequence number, never its content.
 */
export const streamImage = <Schema extends z.ZodMiniType>(
  record: DynamoDBRecord,
  image: 'NewImage' | 'OldImage',
  schema: Schema
): z.infer<Schema> | undefined => {
  const raw = record.dynamodb?.[image];
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(unmarshall(raw as Record<string, AttributeValue>));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`stream record ${record.dynamodb?.SequenceNumber ?? '?'} ${image} does not match its contract (${fields})`);
  }
  return parsed.data;
};
