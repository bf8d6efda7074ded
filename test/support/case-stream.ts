import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inject } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { resource } from './harness.ts';

/**
 * Reads the real stream of the cases table in DynamoDB Local, so stream consumers are tested with
 * the records DynamoDB actually emits (images, keys, sequence numbers), not hand-made ones.
 * `open()` positions after everything already in the stream; `next()` returns what came since.
 */
export const openCaseStream = async (tableLogicalIdPrefix = 'DataCases') => {
  const client = new DynamoDBStreamsClient({
    endpoint: inject('endpoints').dynamodb,
    region: localRegion,
    credentials: localCredentials,
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
    (await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type }))).ShardIterator;

  // DynamoDB Local numbers stream records across all tables: once another table is written, an
  // iterator into a shard that was still empty points before the shard's first record and reads
  // fail as trimmed. Such a shard holds only records written since open(), so it is read from its start.
  const emptyAtOpen = new Set<string>();
  for (const shardId of await shardIds()) {
    iterators.set(shardId, await iteratorFor(shardId, 'LATEST'));
    const first = await client.send(new GetRecordsCommand({ ShardIterator: await iteratorFor(shardId, 'TRIM_HORIZON'), Limit: 1 }));
    if ((first.Records ?? []).length === 0) emptyAtOpen.add(shardId);
  }

  /** Records written since the last call, in stream order per shard, shaped as Lambda delivers them. */
  const next = async (): Promise<DynamoDBRecord[]> => {
    // Shards that appeared since open() are read from their start.
    for (const shardId of await shardIds()) {
      if (!iterators.has(shardId)) iterators.set(shardId, await iteratorFor(shardId, 'TRIM_HORIZON'));
    }
    const records: DynamoDBRecord[] = [];
    for (const [shardId, iterator] of iterators) {
      let current = iterator;
      while (current !== undefined) {
        let page: GetRecordsCommandOutput;
        try {
          page = await client.send(new GetRecordsCommand({ ShardIterator: current, Limit: 1000 }));
        } catch (error) {
          if ((error as Error).name !== 'TrimmedDataAccessException' || !emptyAtOpen.delete(shardId)) throw error;
          current = await iteratorFor(shardId, 'TRIM_HORIZON');
          continue;
        }
        if ((page.Records ?? []).length > 0) emptyAtOpen.delete(shardId);
        records.push(...(page.Records ?? []).map((record) => ({ ...record, eventSourceARN: streamArn }) as DynamoDBRecord));
        if ((page.Records ?? []).length === 0) {
          iterators.set(shardId, page.NextShardIterator);
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
