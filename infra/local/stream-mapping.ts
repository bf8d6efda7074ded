import { randomUUID } from 'node:crypto';
import type { GetRecordsCommandOutput, _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { batchItemFailures } from './batch-item-failures.ts';
import type { ShardCheckpoint } from './checkpoints.ts';
import { matchesAnyFilter } from './event-filter.ts';
import type { StreamMappingConfig } from './event-source-mappings.ts';
import { deliverMaybeTwice } from './faults.ts';
import type { InvokeResult } from './lambda-runtime.ts';
import type { MappingDependencies } from './mapping-dependencies.ts';
import { localCredentials } from './provision.ts';
import { streamInvocationRecord } from './stream-invocation-record.ts';
import { type LambdaStreamRecord, toLambdaRecord } from './stream-records.ts';
import { localRegion } from './template.ts';
import { StopSignal, shortId, sleep } from './timing.ts';

interface PendingRecord {
  record: LambdaStreamRecord;
  matches: boolean;
  /** When this mapping first read it, by its clock. */
  readAt: number;
}

type Verdict = { kind: 'success' } | { kind: 'partial'; from: number } | { kind: 'failure'; reason: string };

interface BatchPart {
  records: PendingRecord[];
  retries: number;
  invocations: number;
  last?: InvokeResult;
}

const DiscoveryIntervalMs = 1_000;
const MaxRetryDelayMs = 5_000;
/** DynamoDB Local stamps records to the minute; AWS to the second. */
const CreationTimePrecisionMs = 60_000;

/**
 * A DynamoDB stream event source mapping with Lambda's semantics: per shard, one batch in flight,
 * records in order, filtered before batching; a batch is sent when it is full or its batching
 * window has passed; the checkpoint moves only past records that succeeded (or were given up);
 * partial batch responses move it to the lowest failed record; a function error splits the batch
 * when bisect is on (without using a retry); records past their retries or their maximum age go
 * to the on-failure destination as AWS's invocation record, and the shard moves on.
 */
export class StreamMapping {
  private readonly streams: DynamoDBStreamsClient;
  private readonly sqs: SQSClient;
  private readonly stop = new StopSignal();
  private readonly shardLoops = new Map<string, Promise<void>>();
  private discovery: Promise<void> | undefined;

  constructor(
    readonly config: StreamMappingConfig,
    private readonly deps: MappingDependencies
  ) {
    const clientConfig = { region: localRegion, credentials: localCredentials };
    this.streams = new DynamoDBStreamsClient({ ...clientConfig, endpoint: deps.endpoints.dynamodb });
    this.sqs = new SQSClient({ ...clientConfig, endpoint: deps.endpoints.sqs });
  }

  /** Resolves once every shard has its starting point, so LATEST means "after this call". */
  async start(): Promise<void> {
    if (!this.config.enabled) return;
    await this.discoverShards();
    this.discovery = this.discover();
  }

  /** Lets the batch in flight finish (so its checkpoint is right), then stops reading. */
  async close(): Promise<void> {
    this.stop.trigger();
    await this.discovery;
    await Promise.all(this.shardLoops.values());
    this.streams.destroy();
    this.sqs.destroy();
  }

  private get label(): string {
    return `stream ${shortId(this.config.tableId)}`;
  }

  private checkpoints(): Record<string, ShardCheckpoint> {
    return this.deps.checkpoints.shards(this.config.logicalId, this.config.streamArn);
  }

  private saveCheckpoint(shardId: string, checkpoint: ShardCheckpoint): void {
    this.deps.checkpoints.save(this.config.logicalId, this.config.streamArn, shardId, checkpoint);
  }

  private async discover(): Promise<void> {
    while (!this.stop.stopped) {
      await sleep(DiscoveryIntervalMs, this.stop);
      if (this.stop.stopped) return;
      try {
        await this.discoverShards();
      } catch (error) {
        if (!this.stop.stopped) this.deps.warn(`${this.label}: cannot describe the stream (${errorName(error)})`);
      }
    }
  }

  /** Starts a loop per new shard, a child shard only once its parent is finished. */
  private async discoverShards(): Promise<void> {
    const shards = await this.describeShards();
    const known = new Set(shards.map((shard) => shard.ShardId));
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (shardId === undefined) continue;
      if (this.shardLoops.has(shardId) || this.checkpoints()[shardId]?.finished === true) continue;
      const parent = shard.ParentShardId;
      const parentPending = parent !== undefined && known.has(parent) && this.checkpoints()[parent]?.finished !== true;
      if (parentPending) continue;
      if (this.checkpoints()[shardId] === undefined) {
        // LATEST is pinned to the last record present now, so a restart does not skip what came meanwhile.
        const after = this.config.startingPosition === 'LATEST' ? await this.lastSequenceNumber(shardId) : null;
        this.saveCheckpoint(shardId, { after });
      }
      this.shardLoops.set(shardId, this.runShard(shardId));
    }
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn: this.config.streamArn, ExclusiveStartShardId: exclusiveStartShardId })
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return shards;
  }

  private async runShard(shardId: string): Promise<void> {
    try {
      await this.consumeShard(shardId);
    } catch (error) {
      if (!this.stop.stopped) this.deps.warn(`${this.label}: shard ${shardId} stopped (${errorName(error)})`);
    } finally {
      this.shardLoops.delete(shardId);
    }
  }

  private async consumeShard(shardId: string): Promise<void> {
    const checkpoint = this.checkpoints()[shardId] ?? { after: null };
    let iterator: string | undefined = await this.iteratorAfter(shardId, checkpoint.after);
    /** The last record read into the buffer: where reading resumes with a new iterator. */
    let lastRead = checkpoint.after;
    const buffer: PendingRecord[] = [];
    while (!this.stop.stopped) {
      const matching = (): number => buffer.filter((pending) => pending.matches).length;
      let read = 0;
      if (iterator !== undefined && matching() < this.config.batchSize) {
        let page: GetRecordsCommandOutput;
        try {
          page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        } catch (error) {
          // DynamoDB Local numbers records across all its tables: an iterator taken on a shard
          // that was still empty ends up before the shard's first record once another table is
          // written, and reads as trimmed. A new one from the same position reads on.
          if (errorName(error) !== 'TrimmedDataAccessException') throw error;
          iterator = await this.iteratorAfter(shardId, lastRead);
          continue;
        }
        iterator = page.NextShardIterator;
        const now = this.deps.clock();
        for (const record of page.Records ?? []) buffer.push(this.pending(record, now));
        read = page.Records?.length ?? 0;
        if (read > 0) lastRead = lastOf(buffer).record.dynamodb.SequenceNumber;
      }
      const batch = this.nextBatch(buffer, iterator !== undefined);
      if (batch === undefined) {
        if (iterator === undefined && buffer.length === 0) {
          this.saveCheckpoint(shardId, { after: this.checkpoints()[shardId]?.after ?? null, finished: true });
          return;
        }
        if (read === 0 || matching() === 0) await sleep(this.deps.pollIntervalMs, this.stop);
        continue;
      }
      const { taken, records } = batch;
      const checkpointAfter = (sequenceNumber: string): void => this.saveCheckpoint(shardId, { after: sequenceNumber });
      if (records.length > 0 && !(await this.deliver(shardId, records, checkpointAfter))) return;
      buffer.splice(0, taken.length);
      checkpointAfter(lastOf(taken).record.dynamodb.SequenceNumber);
    }
  }

  /**
   * The records for the next invocation, and how many buffered records they use up (records the
   * filters drop in between are passed with them). Undefined while the batching window is open,
   * or when only filtered-out records wait and more may come.
   */
  private nextBatch(buffer: PendingRecord[], moreMayCome: boolean): { taken: PendingRecord[]; records: PendingRecord[] } | undefined {
    const records: PendingRecord[] = [];
    let taken = 0;
    for (const pending of buffer) {
      if (records.length === this.config.batchSize) break;
      taken += 1;
      if (pending.matches) records.push(pending);
    }
    const [first] = records;
    if (first === undefined) {
      // Nothing to invoke for: move the checkpoint past the filtered-out records.
      return taken > 0 ? { taken: buffer.slice(0, taken), records } : undefined;
    }
    const full = records.length === this.config.batchSize;
    const windowPassed = this.deps.clock() - first.readAt >= this.config.batchingWindowMs;
    if (!full && !windowPassed && moreMayCome) return undefined;
    return { taken: buffer.slice(0, taken), records };
  }

  /**
   * Invokes until every record of the batch succeeded or was given up. False when the mapping
   * was stopped meanwhile: the batch was not finished and the checkpoint must stay.
   */
  private async deliver(shardId: string, records: PendingRecord[], checkpointAfter: (sequenceNumber: string) => void): Promise<boolean> {
    const parts: BatchPart[] = [{ records, retries: 0, invocations: 0 }];
    // Parts are handled in stream order, so a finished part finishes everything before it too.
    const finish = (part: BatchPart): void => {
      checkpointAfter(lastOf(part.records).record.dynamodb.SequenceNumber);
      parts.shift();
    };
    for (let part = parts[0]; part !== undefined; part = parts[0]) {
      const expired = this.expired(part.records);
      if (expired.length > 0) {
        await this.sendToOnFailure(shardId, expired, 'RecordAgeExceeded', part);
        const remaining = part.records.filter((pending) => !expired.includes(pending));
        if (remaining.length === 0) {
          finish(part);
          continue;
        }
        part.records = remaining;
      }
      const result = await deliverMaybeTwice(this.deps.faults, 'streams', () =>
        this.deps.runtime.invoke(
          this.config.functionId,
          { Records: part.records.map((pending) => pending.record) },
          { trigger: this.label, summarize: (payload) => this.describe(part.records, payload) }
        )
      );
      if (this.stop.stopped && result.outcome !== 'ok') return false;
      part.invocations += 1;
      part.last = result;
      const verdict = this.verdict(result, part.records);
      if (verdict.kind === 'success') {
        finish(part);
        continue;
      }
      if (verdict.kind === 'partial') {
        const lastSucceeded = part.records[verdict.from - 1];
        if (lastSucceeded !== undefined) checkpointAfter(lastSucceeded.record.dynamodb.SequenceNumber);
        part.records = part.records.slice(verdict.from);
      } else if (this.config.bisectBatchOnFunctionError && part.records.length > 1) {
        const middle = Math.ceil(part.records.length / 2);
        const halves = [part.records.slice(0, middle), part.records.slice(middle)].map(
          (half): BatchPart => ({ records: half, retries: part.retries, invocations: part.invocations, last: result })
        );
        parts.splice(0, 1, ...halves);
        continue;
      }
      part.retries += 1;
      const { maximumRetryAttempts } = this.config;
      if (maximumRetryAttempts !== -1 && part.retries > maximumRetryAttempts) {
        await this.sendToOnFailure(shardId, part.records, 'RetryAttemptsExhausted', part);
        finish(part);
        continue;
      }
      await sleep(Math.min(this.deps.retryBaseDelayMs * 2 ** (part.retries - 1), MaxRetryDelayMs), this.stop);
      if (this.stop.stopped) return false;
    }
    return true;
  }

  private verdict(result: InvokeResult, records: PendingRecord[]): Verdict {
    if (result.outcome !== 'ok') return { kind: 'failure', reason: result.outcome };
    if (!this.config.reportBatchItemFailures) return { kind: 'success' };
    const failures = batchItemFailures(result.payload);
    if (failures === undefined) return { kind: 'failure', reason: 'invalid batchItemFailures' };
    if (failures.length === 0) return { kind: 'success' };
    const indexes = failures.map((identifier) => records.findIndex((pending) => pending.record.dynamodb.SequenceNumber === identifier));
    // An identifier that names no record of the batch makes Lambda treat the whole batch as failed.
    if (indexes.some((index) => index < 0)) return { kind: 'failure', reason: 'invalid batchItemFailures' };
    return { kind: 'partial', from: Math.min(...indexes) };
  }

  private describe(records: PendingRecord[], payload: unknown): string {
    const count = `${records.length} record${records.length === 1 ? '' : 's'}`;
    if (!this.config.reportBatchItemFailures) return count;
    const failures = batchItemFailures(payload);
    if (failures === undefined) return `${count}, invalid batchItemFailures`;
    return failures.length === 0 ? count : `${count}, ${failures.length} reported failed`;
  }

  private expired(records: PendingRecord[]): PendingRecord[] {
    const maxAge = this.config.maximumRecordAgeSeconds;
    if (maxAge === -1) return [];
    const now = this.deps.clock();
    return records.filter((pending) => now - this.createdAt(pending) > maxAge * 1000);
  }

  /** The record's creation time as closely as it is known: stamped to the minute, or when first read. */
  private createdAt(pending: PendingRecord): number {
    const stamped = (pending.record.dynamodb.ApproximateCreationDateTime ?? 0) * 1000;
    return Math.min(stamped + CreationTimePrecisionMs, pending.readAt);
  }

  /** Discarded records go to the on-failure destination as AWS's invocation record, or are only reported without one. */
  private async sendToOnFailure(
    shardId: string,
    records: PendingRecord[],
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
    part: BatchPart
  ): Promise<void> {
    const destination = this.config.onFailure;
    const [first] = records;
    const last = lastOf(records);
    if (first === undefined) return;
    const invocationRecord = streamInvocationRecord({
      requestId: part.last?.requestId ?? randomUUID(),
      functionArn: this.deps.runtime.spec(this.config.functionId).arn,
      condition,
      invocations: part.invocations,
      last: part.last,
      shardId,
      streamArn: this.config.streamArn,
      first: first.record,
      final: last.record,
      batchSize: records.length,
    });
    const outcome = condition === 'RetryAttemptsExhausted' ? 'retries exhausted' : 'maximum record age exceeded';
    if (destination === undefined) {
      this.deps.warn(`${this.label}: ${records.length} record(s) discarded, ${outcome} (no on-failure destination)`);
      return;
    }
    await this.sqs.send(new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(invocationRecord) }));
    this.deps.warn(`${this.label}: ${records.length} record(s) sent to the on-failure destination, ${outcome}`);
  }

  private pending(record: SdkStreamRecord, readAt: number): PendingRecord {
    const lambdaRecord = toLambdaRecord(record, this.config.streamArn);
    return {
      record: lambdaRecord,
      matches: matchesAnyFilter(this.config.filters, lambdaRecord),
      readAt,
    };
  }

  private async iteratorAfter(shardId: string, after: string | null): Promise<string | undefined> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.config.streamArn,
        ShardId: shardId,
        ...(after === null ? { ShardIteratorType: 'TRIM_HORIZON' } : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
      })
    );
    return ShardIterator;
  }

  private async lastSequenceNumber(shardId: string): Promise<string | null> {
    let last: string | null = null;
    let iterator = await this.iteratorAfter(shardId, null);
    while (iterator !== undefined) {
      const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      if (records.length === 0) break;
      last = records.at(-1)?.dynamodb?.SequenceNumber ?? last;
      iterator = page.NextShardIterator;
    }
    return last;
  }
}

/** Batches and their parts are never empty: records are what make them. */
function lastOf<T>(items: T[]): T {
  const last = items.at(-1);
  if (last === undefined) throw new Error('an empty batch has no last record');
  return last;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}
