import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { putItems, queue, receiveAll, streamedTable, updateItem } from './support/aws.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * DynamoDB stream event source mappings with Lambda's semantics, each on a small fixture template:
 * a streamed table, the batch.mjs consumer and one mapping whose properties are the semantic under
 * test. Records are written with the SDK; the consumer appends what it was given to a file.
 */
interface Batch {
  type: 'batch';
  ids: string[];
  start: number;
  end: number;
  failing: string[];
}

const stacks: FixtureStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
});

const mapping = (properties: Record<string, unknown>, functionId = 'Consumer'): CfnResource => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: {
    FunctionName: { Ref: functionId },
    EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
    StartingPosition: 'TRIM_HORIZON',
    ...properties,
  },
});

async function streamStack(
  mappingProperties: Record<string, unknown>,
  consumer: { mode?: 'report' | 'throw'; sleepMs?: number } = {},
  options: Parameters<typeof startFixtureStack>[1] = {}
): Promise<FixtureStack & { table: string; onFailureUrl: string }> {
  const stack = await startFixtureStack(
    {
      resources: { Table: streamedTable(), OnFailure: queue(), Mapping: mapping(mappingProperties) },
      functions: {
        Consumer: {
          code: 'batch.mjs',
          environment: { MODE: consumer.mode ?? 'report', SLEEP_MS: String(consumer.sleepMs ?? 0) },
        },
      },
    },
    options
  );
  stacks.push(stack);
  return Object.assign(stack, { table: stack.resources.Table!.ref, onFailureUrl: stack.resources.OnFailure!.ref });
}

const batches = (stack: FixtureStack): Batch[] => stack.observations<Batch>().filter((line) => line.type === 'batch');
const effects = (stack: FixtureStack): string[] =>
  stack
    .observations<{ type: string; id: string }>()
    .filter((line) => line.type === 'effect')
    .map((line) => line.id);
const items = (...ids: string[]) => ids.map((id) => ({ id, behaviour: id.startsWith('poison') ? 'poison' : 'ok' }));
const waitForEffects = (stack: FixtureStack, count: number) =>
  waitFor(() => effects(stack).length >= count && effects(stack), { timeoutMs: 20_000, description: `${count} effects` });

describe('batching', () => {
  it('never puts more records in a batch than BatchSize, and keeps stream order', async () => {
    const stack = await streamStack({ BatchSize: 3, MaximumBatchingWindowInSeconds: 1 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    await putItems(stack.table, items(...ids));
    await waitForEffects(stack, ids.length);
    const sizes = batches(stack).map((batch) => batch.ids.length);
    expect(Math.max(...sizes)).toBe(3);
    expect(batches(stack).flatMap((batch) => batch.ids)).toEqual(ids);
  });

  it('waits for the batching window before invoking with fewer records than BatchSize', async () => {
    const stack = await streamStack({ BatchSize: 100, MaximumBatchingWindowInSeconds: 2 });
    const written = Date.now();
    await putItems(stack.table, items('a', 'b'));
    await waitForEffects(stack, 2);
    const [batch] = batches(stack);
    expect(batches(stack)).toHaveLength(1);
    expect(batch!.ids).toEqual(['a', 'b']);
    // The window opens when the first record is read, which is after it was written.
    expect(batch!.start - written).toBeGreaterThanOrEqual(1_950);
  });
});

describe('filter criteria', () => {
  it('invokes only for matching records and moves the checkpoint past the others', async () => {
    const stack = await streamStack({
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['wanted'] } } } }) }],
      },
    });
    await putItems(stack.table, [
      { id: 'w1', kind: 'wanted' },
      { id: 'u1', kind: 'unwanted' },
      { id: 'w2', kind: 'wanted' },
    ]);
    await updateItem(stack.table, 'w1', 'ok');
    await putItems(stack.table, [{ id: 'w3', kind: 'wanted' }]);
    await waitForEffects(stack, 3);
    expect(effects(stack)).toEqual(['w1', 'w2', 'w3']);
    expect(batches(stack).flatMap((batch) => batch.ids)).toEqual(['w1', 'w2', 'w3']);
  });
});

describe('ordering and checkpoints', () => {
  it('keeps one batch in flight per shard', async () => {
    const stack = await streamStack({ BatchSize: 1 }, { sleepMs: 150 });
    await putItems(stack.table, items('a', 'b', 'c', 'd'));
    await waitForEffects(stack, 4);
    const runs = batches(stack);
    expect(runs.map((batch) => batch.ids[0])).toEqual(['a', 'b', 'c', 'd']);
    for (let i = 1; i < runs.length; i += 1) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
  });

  it('moves the checkpoint only after success: a failed batch comes back before anything after it', async () => {
    const stack = await streamStack({ BatchSize: 2, MaximumBatchingWindowInSeconds: 1 }, { mode: 'throw' });
    await putItems(stack.table, [{ id: 'a', behaviour: 'fail-once' }, { id: 'b' }, { id: 'c' }]);
    await waitForEffects(stack, 3);
    expect(batches(stack).map((batch) => batch.ids)).toEqual([['a', 'b'], ['a', 'b'], ['c']]);
    expect(effects(stack)).toEqual(['a', 'b', 'c']);
  });

  it('keeps checkpoints across a restart: neither replays nor skips records', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'trm-checkpoints-'));
    const first = await streamStack({}, {}, { stateDir });
    await putItems(first.table, items('a', 'b'));
    await waitForEffects(first, 2);
    await first.stop();
    stacks.splice(stacks.indexOf(first), 1);
    await putItems(first.table, items('c'));

    const second = await startFixtureStack(
      {
        resources: { Table: streamedTable(), OnFailure: queue(), Mapping: mapping({}) },
        functions: { Consumer: { code: 'batch.mjs' } },
      },
      { stateDir, namePrefix: first.table.replace(/Table$/, '') }
    );
    stacks.push(second);
    await waitForEffects(second, 1);
    await putItems(first.table, items('d'));
    await waitFor(() => effects(second).length >= 2, { timeoutMs: 20_000, description: 'record d' });
    expect(effects(second)).toEqual(['c', 'd']);
  });

  it('reads a shard that was empty when the mapping started, after other tables were written', async () => {
    const warnings: string[] = [];
    const stack = await streamStack({}, {}, { onWarning: (warning) => warnings.push(warning) });
    // Started after the first, so the first has polled its empty shard by then.
    const other = await streamStack({});
    await putItems(other.table, items('elsewhere-1', 'elsewhere-2'));
    await waitForEffects(other, 2);
    await putItems(stack.table, items('here'));
    await waitForEffects(stack, 1);
    expect(effects(stack)).toEqual(['here']);
    expect(warnings).toEqual([]);
  });

  it('starts at the oldest record with TRIM_HORIZON and after the newest with LATEST', async () => {
    const template = (startingPosition: string) => ({
      resources: {
        Table: streamedTable(),
        Mapping: mapping({ StartingPosition: startingPosition }),
      },
      functions: { Consumer: { code: 'batch.mjs' } },
    });
    const probe = await startFixtureStack(template('TRIM_HORIZON'));
    stacks.push(probe);
    const table = probe.resources.Table!.ref;
    await putItems(table, items('before'));
    await waitForEffects(probe, 1);
    const namePrefix = table.replace(/Table$/, '');
    const fromStart = await startFixtureStack(template('TRIM_HORIZON'), { namePrefix });
    const fromLatest = await startFixtureStack(template('LATEST'), { namePrefix });
    stacks.push(fromStart, fromLatest);
    await waitForEffects(fromStart, 1);
    await putItems(table, items('after'));
    await waitFor(() => effects(fromStart).length >= 2 && effects(fromLatest).length >= 1, { timeoutMs: 20_000 });
    expect(effects(fromStart)).toEqual(['before', 'after']);
    expect(effects(fromLatest)).toEqual(['after']);
  });
});

describe('partial batch responses (ReportBatchItemFailures)', () => {
  it('checkpoints at the lowest failed sequence number and retries from there', async () => {
    const stack = await streamStack({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await putItems(stack.table, [{ id: 'a' }, { id: 'b', behaviour: 'fail-once' }, { id: 'c' }, { id: 'd', behaviour: 'fail-once' }]);
    await waitFor(() => batches(stack).length >= 2 && effects(stack).includes('d'), { timeoutMs: 20_000 });
    expect(batches(stack).map((batch) => batch.ids)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'c', 'd'],
    ]);
    // Lambda redelivers what follows the failure, succeeded or not: consumers must be idempotent.
    expect(effects(stack)).toEqual(['a', 'c', 'b', 'c', 'd']);
  });

  it('fails the whole batch when an identifier names no record of it', async () => {
    const stack = await streamStack({
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    await putItems(stack.table, [{ id: 'a' }, { id: 'x', behaviour: 'bad-identifier' }, { id: 'c' }]);
    await waitForEffects(stack, 3);
    expect(batches(stack).map((batch) => batch.ids)).toEqual([
      ['a', 'x', 'c'],
      ['a', 'x', 'c'],
    ]);
  });

  it('ignores a partial batch response when the mapping does not ask for one', async () => {
    const stack = await streamStack({ BatchSize: 10, MaximumBatchingWindowInSeconds: 1 });
    await putItems(stack.table, [{ id: 'a' }, { id: 'b', behaviour: 'fail-once' }]);
    await waitForEffects(stack, 1);
    await putItems(stack.table, [{ id: 'c' }]);
    await waitForEffects(stack, 2);
    expect(batches(stack).map((batch) => batch.ids)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('errors: bisect, retries, maximum age, on-failure destination', () => {
  it('isolates a poison record by bisecting, retries it MaximumRetryAttempts times, then sends AWS’s failure record', async () => {
    const stack = await streamStack(
      {
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailure', 'Arn'] } } },
      },
      { mode: 'throw' }
    );
    await putItems(stack.table, items('a', 'b', 'c', 'poison', 'd', 'e'));
    const failures: Array<{ body: string }> = [];
    await waitFor(
      async () => {
        failures.push(...(await receiveAll(stack.onFailureUrl)));
        return failures.length > 0;
      },
      { timeoutMs: 20_000 }
    );
    await waitForEffects(stack, 5);

    // Every other record took effect exactly once (the consumer applies a batch all or nothing).
    expect(effects(stack).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // Alone, the poison record was tried once and retried twice; splitting used no retry.
    const alone = batches(stack).filter((batch) => batch.ids.length === 1 && batch.ids[0] === 'poison');
    expect(alone).toHaveLength(3);
    const withPoison = batches(stack).filter((batch) => batch.ids.includes('poison'));

    expect(failures).toHaveLength(1);
    const record = JSON.parse(failures[0]!.body);
    const poisonBatch = withPoison.at(-1)!;
    expect(record).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: 'arn:aws:lambda:eu-west-3:000000000000:function:fixture-Consumer',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: withPoison.length,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: expect.any(String),
        endSequenceNumber: expect.any(String),
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        batchSize: 1,
        streamArn: stack.resources.Table!.attributes.StreamArn,
      },
    });
    expect(record.DDBStreamBatchInfo.startSequenceNumber).toBe(record.DDBStreamBatchInfo.endSequenceNumber);
    expect(poisonBatch.ids).toEqual(['poison']);
    // Metadata only: the failure record never carries the records themselves.
    expect(failures[0]!.body).not.toContain('NewImage');
  });

  it('without bisect, retries the whole batch and gives all of it up', async () => {
    const stack = await streamStack(
      {
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailure', 'Arn'] } } },
      },
      { mode: 'throw' }
    );
    await putItems(stack.table, items('a', 'poison'));
    const failures: Array<{ body: string }> = [];
    await waitFor(
      async () => {
        failures.push(...(await receiveAll(stack.onFailureUrl)));
        return failures.length > 0;
      },
      { timeoutMs: 20_000 }
    );
    expect(batches(stack).map((batch) => batch.ids)).toEqual([
      ['a', 'poison'],
      ['a', 'poison'],
    ]);
    expect(JSON.parse(failures[0]!.body).DDBStreamBatchInfo.batchSize).toBe(2);
    // The shard goes on after giving up.
    await putItems(stack.table, items('b'));
    await waitForEffects(stack, 1);
    expect(effects(stack)).toEqual(['b']);
  });

  it('gives up records older than MaximumRecordAgeInSeconds, even with unlimited retries', async () => {
    let offsetMs = 0;
    const stack = await streamStack(
      {
        BatchSize: 10,
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['OnFailure', 'Arn'] } } },
      },
      { mode: 'throw' },
      { clock: () => Date.now() + offsetMs }
    );
    await putItems(stack.table, items('poison'));
    await waitFor(() => batches(stack).length >= 2, { timeoutMs: 20_000, description: 'a retry' });
    offsetMs = 120_000;
    const failures: Array<{ body: string }> = [];
    await waitFor(
      async () => {
        failures.push(...(await receiveAll(stack.onFailureUrl)));
        return failures.length > 0;
      },
      { timeoutMs: 20_000 }
    );
    expect(JSON.parse(failures[0]!.body).requestContext.condition).toBe('RecordAgeExceeded');
    offsetMs = 0;
    await putItems(stack.table, items('fresh'));
    await waitForEffects(stack, 1);
    expect(effects(stack)).toEqual(['fresh']);
  });
});
