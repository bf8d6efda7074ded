import { afterEach, describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { queue, queueDepth, receiveAll, sendMessages } from './support/aws.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * SQS event source mappings with Lambda's semantics, each on a small fixture template: a queue
 * (with a dead-letter queue), the batch.mjs consumer and one mapping. Messages are JSON bodies
 * `{ id, behaviour }`; the consumer appends what it was given to a file.
 */
interface Batch {
  type: 'batch';
  ids: string[];
  start: number;
  end: number;
  items: Array<{ id: string; group?: string; receiveCount: number; firstReceivedAt: number }>;
}

const stacks: FixtureStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((stack) => stack.stop()));
});

interface QueueStackOptions {
  mapping?: Record<string, unknown>;
  queue?: Record<string, unknown>;
  fifo?: boolean;
  maxReceiveCount?: number;
  sleepMs?: number;
  mode?: 'report' | 'throw';
  /**
   * Start the consumer's environment before a message is sent: a cold start on a loaded machine can
   * outlast a visibility timeout of seconds, and SQS would deliver the batch again meanwhile.
   */
  warm?: boolean;
}

async function queueStack(options: QueueStackOptions = {}): Promise<FixtureStack & { queueUrl: string; deadLetterUrl: string }> {
  const fifo = options.fifo === true ? { FifoQueue: true, ContentBasedDeduplication: true } : {};
  const resources: Record<string, CfnResource> = {
    DeadLetter: queue(fifo),
    Queue: queue({
      ...fifo,
      // Longer than a batching window of 1 s and the consumer's work, as AWS requires.
      VisibilityTimeout: 2,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetter', 'Arn'] }, maxReceiveCount: options.maxReceiveCount ?? 5 },
      ...options.queue,
    }),
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Consumer' },
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        ...options.mapping,
      },
    },
  };
  const stack = await startFixtureStack({
    resources,
    functions: {
      Consumer: { code: 'batch.mjs', environment: { SLEEP_MS: String(options.sleepMs ?? 0), MODE: options.mode ?? 'report' } },
    },
  });
  stacks.push(stack);
  if (options.warm === true) await stack.warmed();
  return Object.assign(stack, { queueUrl: stack.resources.Queue!.ref, deadLetterUrl: stack.resources.DeadLetter!.ref });
}

const batches = (stack: FixtureStack): Batch[] => stack.observations<Batch>().filter((line) => line.type === 'batch');
const effects = (stack: FixtureStack): string[] =>
  stack
    .observations<{ type: string; id: string }>()
    .filter((line) => line.type === 'effect')
    .map((line) => line.id);
const waitForEffects = (stack: FixtureStack, count: number) =>
  waitFor(() => effects(stack).length >= count && effects(stack), { timeoutMs: 20_000, description: `${count} effects` });
const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
const partial = { FunctionResponseTypes: ['ReportBatchItemFailures'] };
/**
 * For a test that waits out no visibility timeout but counts deliveries: the consumer's timeout
 * (infra/local/assembly.ts gives a fixture 10 s), as AWS requires, so a slow cold start does not
 * make SQS deliver a batch again.
 */
const noRedelivery = { VisibilityTimeout: 10 };

/** The largest number of batches running at the same time. */
function maxOverlap(runs: Batch[]): number {
  const edges = runs.flatMap((run) => [
    { at: run.start, delta: 1 },
    { at: run.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let max = 0;
  for (const edge of edges) {
    current += edge.delta;
    max = Math.max(max, current);
  }
  return max;
}

describe('batching', () => {
  it('never puts more messages in a batch than BatchSize, and delivers each once', async () => {
    const stack = await queueStack({ queue: noRedelivery, mapping: { BatchSize: 3 } });
    const sent = ids('m', 25);
    await sendMessages(
      stack.queueUrl,
      sent.map((id) => ({ id }))
    );
    await waitForEffects(stack, sent.length);
    expect(Math.max(...batches(stack).map((batch) => batch.ids.length))).toBeLessThanOrEqual(3);
    expect(effects(stack).sort()).toEqual([...sent].sort());
  });

  it('gathers messages for the batching window before invoking with fewer than BatchSize', async () => {
    const stack = await queueStack({ mapping: { BatchSize: 50, MaximumBatchingWindowInSeconds: 2 } });
    const sentAt = Date.now();
    await sendMessages(
      stack.queueUrl,
      ids('m', 3).map((id) => ({ id }))
    );
    await waitForEffects(stack, 3);
    for (const batch of batches(stack)) expect(batch.start - sentAt).toBeGreaterThanOrEqual(1_950);
    expect(
      batches(stack)
        .flatMap((batch) => batch.ids)
        .sort()
    ).toEqual(ids('m', 3));
  });

  it('deletes messages the filter criteria reject, without invoking for them', async () => {
    const stack = await queueStack({
      queue: noRedelivery,
      mapping: { FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['wanted'] } }) }] } },
    });
    await sendMessages(stack.queueUrl, [
      { id: 'w1', kind: 'wanted' },
      { id: 'u1', kind: 'unwanted' },
      { id: 'w2', kind: 'wanted' },
      { id: 'u2' },
    ]);
    await waitForEffects(stack, 2);
    await waitFor(async () => (await queueDepth(stack.queueUrl)) === 0, { timeoutMs: 10_000, description: 'an empty queue' });
    expect(effects(stack).sort()).toEqual(['w1', 'w2']);
    expect(batches(stack).flatMap((batch) => batch.ids)).not.toContain('u1');
  });
});

describe('failures', () => {
  it('leaves a failed batch for SQS to deliver again once its visibility timeout has passed', async () => {
    const stack = await queueStack({ mode: 'throw', warm: true, queue: { VisibilityTimeout: 3 } });
    await sendMessages(stack.queueUrl, [{ id: 'a', behaviour: 'fail-once' }]);
    await waitForEffects(stack, 1);
    const [first, second] = batches(stack);
    expect(batches(stack)).toHaveLength(2);
    expect(second!.items[0]!.receiveCount).toBe(2);
    expect(first!.items[0]!.firstReceivedAt).toBeGreaterThan(0);
    // From the first receive, when the visibility timeout starts: the first invocation's own end
    // comes later by as long as a cold start takes, which on a loaded machine made this flaky.
    expect(second!.start - first!.items[0]!.firstReceivedAt).toBeGreaterThanOrEqual(3_000);
  });

  it('deletes the messages a partial batch response does not name, and redelivers the named ones', async () => {
    const stack = await queueStack({ warm: true, mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 1, ...partial } });
    await sendMessages(stack.queueUrl, [{ id: 'a' }, { id: 'b', behaviour: 'fail-once' }, { id: 'c' }]);
    await waitForEffects(stack, 3);
    await waitFor(async () => (await queueDepth(stack.queueUrl)) === 0, { timeoutMs: 10_000, description: 'an empty queue' });
    const deliveries = batches(stack).flatMap((batch) => batch.ids);
    expect(deliveries.filter((id) => id === 'a')).toHaveLength(1);
    expect(deliveries.filter((id) => id === 'c')).toHaveLength(1);
    expect(deliveries.filter((id) => id === 'b')).toHaveLength(2);
    expect(effects(stack).sort()).toEqual(['a', 'b', 'c']);
  });

  it('fails the whole batch when a partial response names a message that is not in it', async () => {
    const stack = await queueStack({ warm: true, mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 1, ...partial } });
    await sendMessages(stack.queueUrl, [{ id: 'a' }, { id: 'x', behaviour: 'bad-identifier' }]);
    await waitFor(
      () =>
        batches(stack)
          .flatMap((batch) => batch.ids)
          .filter((id) => id === 'a').length >= 2,
      {
        timeoutMs: 20_000,
        description: 'a redelivered',
      }
    );
  });

  it('sends a poison message to the dead-letter queue after maxReceiveCount, every other message processed once', async () => {
    const stack = await queueStack({
      maxReceiveCount: 2,
      warm: true,
      mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 1, ...partial },
    });
    await sendMessages(stack.queueUrl, [{ id: 'a' }, { id: 'poison', behaviour: 'poison' }, { id: 'b' }]);
    const deadLetters: Array<{ body: string }> = [];
    await waitFor(
      async () => {
        deadLetters.push(...(await receiveAll(stack.deadLetterUrl)));
        return deadLetters.length > 0;
      },
      {
        timeoutMs: 20_000,
        description: 'the poison message in the dead-letter queue',
      }
    );
    expect(deadLetters.map((message) => JSON.parse(message.body).id)).toEqual(['poison']);
    const deliveries = batches(stack).flatMap((batch) => batch.ids);
    expect(deliveries.filter((id) => id === 'poison')).toHaveLength(2);
    expect(effects(stack).sort()).toEqual(['a', 'b']);
    expect(await queueDepth(stack.queueUrl)).toBe(0);
  });
});

describe('FIFO queues', () => {
  it('keeps the order within a message group, even across a failure', async () => {
    const stack = await queueStack({ fifo: true, warm: true, mapping: { BatchSize: 10, ...partial } });
    const messages = [1, 2, 3, 4].flatMap((n) => [
      { id: `g1-${n}`, group: 'g1', behaviour: n === 2 ? 'fail-once' : 'ok' },
      { id: `g2-${n}`, group: 'g2' },
    ]);
    await sendMessages(stack.queueUrl, messages);
    await waitForEffects(stack, 8);
    const processed = effects(stack);
    expect(processed.filter((id) => id.startsWith('g1'))).toEqual(['g1-1', 'g1-2', 'g1-3', 'g1-4']);
    expect(processed.filter((id) => id.startsWith('g2'))).toEqual(['g2-1', 'g2-2', 'g2-3', 'g2-4']);
    const g1Deliveries = batches(stack)
      .flatMap((batch) => batch.ids)
      .filter((id) => id.startsWith('g1'));
    expect(g1Deliveries).toEqual(['g1-1', 'g1-2', 'g1-2', 'g1-3', 'g1-4']);
  });
});

describe('maximum concurrency', () => {
  it('never runs more batches at once than ScalingConfig.MaximumConcurrency', async () => {
    const stack = await queueStack({ sleepMs: 300, mapping: { BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } } });
    await sendMessages(
      stack.queueUrl,
      ids('m', 8).map((id) => ({ id }))
    );
    await waitForEffects(stack, 8);
    expect(maxOverlap(batches(stack))).toBe(2);
  });

  it('runs more batches at once without it (so the limit above is what held them back)', async () => {
    const stack = await queueStack({ sleepMs: 300, mapping: { BatchSize: 1 } });
    await sendMessages(
      stack.queueUrl,
      ids('m', 8).map((id) => ({ id }))
    );
    await waitForEffects(stack, 8);
    expect(maxOverlap(batches(stack))).toBeGreaterThan(2);
  });
});
