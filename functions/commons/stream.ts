import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type * as z from 'zod/mini';

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
