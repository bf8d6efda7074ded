import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../infra/local/provision.ts';
import { LOCAL_REGION } from '../../infra/local/template.ts';
import { resource } from './harness.ts';

/**
 * Reads the real stream of the cases table in DynamoDB Local, so stream consumers are tested with
 * the records DynamoDB actually emits (images, keys, sequence numbers), not hand-made ones.
 * `open()` positions after everything already in the stream; `next()` returns what came since.
 */
export const openCaseStream = async (tableLogicalIdPrefix = 'DataCases') => {
  const client = new DynamoDBStreamsClient({
    endpoint: inject('endpoints').dynamodb,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const streamArn = resource(tableLogicalIdPrefix).attributes.StreamArn!;
  const iterators = new Map<string, string | undefined>();

  const shardIds = async (): Promise<string[]> => {
    const ids: string[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId })
      );
      ids.push(...(StreamDescription?.Shards ?? []).map((shard) => shard.ShardId!));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return ids;
  };

  const iteratorFor = async (shardId: string, type: 'LATEST' | 'TRIM_HORIZON') =>
    (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type })))
      .ShardIterator;

  /**
   * DynamoDB Local invalidates an iterator taken on a shard that holds no record yet as soon as any
   * table is written to (TrimmedDataAccessException on the next read). Such a shard is marked to be
   * read from its start, which is exactly "what came since", until it has yielded its first records.
   */
  const fromStart = 'fromStart';
  const hasRecords = async (shardId: string): Promise<boolean> => {
    const iterator = await iteratorFor(shardId, 'TRIM_HORIZON');
    return ((await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1 }))).Records ?? []).length > 0;
  };

  for (const shardId of await shardIds()) {
    iterators.set(shardId, (await hasRecords(shardId)) ? await iteratorFor(shardId, 'LATEST') : fromStart);
  }

  /** Records written since the last call, in stream order per shard, shaped as Lambda delivers them. */
  const next = async (): Promise<DynamoDBRecord[]> => {
    // Shards that appeared since open() are read from their start.
    for (const shardId of await shardIds()) {
      if (!iterators.has(shardId)) iterators.set(shardId, fromStart);
    }
    const records: DynamoDBRecord[] = [];
    for (const [shardId, iterator] of iterators) {
      let current = iterator === fromStart ? await iteratorFor(shardId, 'TRIM_HORIZON') : iterator;
      let read = 0;
      while (current !== undefined) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: current, Limit: 1000 }));
        const pageRecords = page.Records ?? [];
        read += pageRecords.length;
        records.push(...pageRecords.map((record) => ({ ...record, eventSourceARN: streamArn }) as DynamoDBRecord));
        if (pageRecords.length === 0) {
          iterators.set(shardId, iterator === fromStart && read === 0 ? fromStart : page.NextShardIterator);
          break;
        }
        current = page.NextShardIterator;
      }
    }
    return records;
  };

  return { next, close: () => client.destroy() };
};

export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });
