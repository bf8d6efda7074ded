import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InjectedErrorTypes } from '../../infra/local/faults.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { putItems, queue, sendMessages, streamedTable } from './support/aws.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * Fault injection through the control URL on a fixture template: a streamed table and a queue, each
 * read by the batch.mjs consumer, and an event-bus rule targeting bus-target.mjs (also invoked
 * directly, its recorded line being its effect). Each kind of fault on its own: an invocation failed
 * before its effect, after it, seeded draws, each delivery kind made twice, and emulator restarts
 * refused where the emulators are not the stack's own.
 */
let stack: FixtureStack;
let events: EventBridgeClient;

const control = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.controlUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the control endpoint's JSON, read field by field in the assertions
  return { status: response.status, body: (await response.json()) as any };
};
const setFaults = async (settings: unknown) => expect((await control('PUT', '/faults', settings)).status).toBe(200);

interface Batch {
  type: 'batch';
  fn: string;
  ids: string[];
}
const batchesWith = (id: string): Batch[] => stack.observations<Batch>().filter((line) => line.type === 'batch' && line.ids.includes(id));
const busEvents = (marker: string) =>
  stack
    .observations<{ type: string; event: { id: string; detail: { marker?: string } } }>()
    .filter((line) => line.type === 'bus-event' && line.event.detail?.marker === marker);

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: {
      Table: streamedTable(),
      Queue: queue({ VisibilityTimeout: 5 }),
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'faults' } },
      StreamMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'StreamConsumer' },
          EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
          StartingPosition: 'TRIM_HORIZON',
        },
      },
      QueueMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'QueueConsumer' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['trm.faults'] },
          Targets: [{ Arn: { 'Fn::GetAtt': ['BusTarget', 'Arn'] }, Id: 'target' }],
        },
      },
    },
    functions: {
      StreamConsumer: { code: 'batch.mjs' },
      QueueConsumer: { code: 'batch.mjs' },
      BusTarget: { code: 'bus-target.mjs' },
    },
  });
  events = new EventBridgeClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.eventbridge });
});

afterAll(async () => {
  events?.destroy();
  await stack?.stop();
});

beforeEach(async () => {
  expect((await control('DELETE', '/faults')).status).toBe(200);
});

describe('the control URL', () => {
  it('injects nothing until told to, and refuses settings that do not parse, naming the field', async () => {
    expect((await control('GET', '/faults')).body).toMatchObject({ active: false, settings: null });
    const refused = await control('PUT', '/faults', { failBefore: { BusTarget: 1.5 }, duplicate: { streams: 'yes' }, extra: 1 });
    expect(refused.status).toBe(400);
    const paths = refused.body.details.map((issue: { path: unknown[] }) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['failBefore.BusTarget', 'duplicate.streams']));
    expect(JSON.stringify(refused.body.details)).toContain('extra');
    expect((await control('PUT', '/faults', 'not json')).status).toBe(400);
    expect((await control('GET', '/faults')).body.active).toBe(false);
  });

  it('clears every fault with DELETE, keeping the counts of what was injected', async () => {
    await setFaults({ failBefore: { BusTarget: 1 } });
    expect((await stack.invoke('BusTarget', { detail: { marker: 'cleared-1' } })).outcome).toBe('error');
    const cleared = await control('DELETE', '/faults');
    expect(cleared.body).toMatchObject({ active: false, injected: { totals: { failBefore: 1 } } });
    expect((await stack.invoke('BusTarget', { detail: { marker: 'cleared-2' } })).outcome).toBe('ok');
  });
});

describe('failing invocations', () => {
  it('fails before the effect: the handler does not run', async () => {
    await setFaults({ failBefore: { BusTarget: 1 } });
    const result = await stack.invoke('BusTarget', { detail: { marker: 'before' } });
    expect(result).toMatchObject({ outcome: 'error', error: { errorType: InjectedErrorTypes.failBefore } });
    expect(busEvents('before')).toEqual([]);
    // Other functions are untouched.
    expect((await stack.invoke('QueueConsumer', { Records: [] })).outcome).toBe('ok');
    const { body } = await control('GET', '/faults');
    const name = stack.functions().find((fn) => fn.logicalId === 'BusTarget')!.functionName;
    expect(body.injected.failBefore).toEqual({ [name]: 1 });
  });

  it('fails after the effect, by a name pattern: the handler ran, the invocation reports an error', async () => {
    await setFaults({ failAfter: { 'Bus*': 1 } });
    const result = await stack.invoke('BusTarget', { detail: { marker: 'after' } });
    expect(result).toMatchObject({ outcome: 'error', error: { errorType: InjectedErrorTypes.failAfter } });
    expect(result.payload).toBeUndefined();
    expect(busEvents('after')).toHaveLength(1);
    expect((await control('GET', '/faults')).body.injected.totals).toEqual({ failBefore: 0, failAfter: 1, duplicate: 0 });
  });

  it('draws from the seed: the same settings fail the same invocations, and every one is counted', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      await setFaults({ failBefore: { BusTarget: 0.3 }, failAfter: { BusTarget: 0.3 }, seed });
      const results: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const result = await stack.invoke('BusTarget', { detail: { marker: `seeded-${seed}-${i}` } });
        results.push(result.error?.errorType ?? result.outcome);
      }
      const { totals } = (await control('GET', '/faults')).body.injected;
      expect(totals.failBefore).toBe(results.filter((outcome) => outcome === InjectedErrorTypes.failBefore).length);
      expect(totals.failAfter).toBe(results.filter((outcome) => outcome === InjectedErrorTypes.failAfter).length);
      return results;
    };
    const first = await outcomes(42);
    expect(await outcomes(42)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', InjectedErrorTypes.failBefore, InjectedErrorTypes.failAfter]));
    expect(await outcomes(7)).not.toEqual(first);
  });
});

describe('delivering twice', () => {
  it('delivers each stream batch a second time', async () => {
    await setFaults({ duplicate: { streams: true } });
    await putItems(stack.resources.Table!.ref, [{ id: 'streamed-twice' }]);
    const batches = await waitFor(() => batchesWith('streamed-twice').length >= 2 && batchesWith('streamed-twice'), {
      timeoutMs: 20_000,
      description: 'the stream batch delivered twice',
    });
    expect(batches.map((batch) => batch.ids)).toEqual([['streamed-twice'], ['streamed-twice']]);
    expect((await control('GET', '/faults')).body.injected.duplicate).toEqual({ streams: 1, events: 0, queues: 0 });
  });

  it('delivers each queue batch a second time', async () => {
    await setFaults({ duplicate: { queues: true } });
    await sendMessages(stack.resources.Queue!.ref, [{ id: 'queued-twice' }]);
    const batches = await waitFor(() => batchesWith('queued-twice').length >= 2 && batchesWith('queued-twice'), {
      timeoutMs: 20_000,
      description: 'the queue batch delivered twice',
    });
    expect(batches).toHaveLength(2);
    expect((await control('GET', '/faults')).body.injected.duplicate).toEqual({ streams: 0, events: 0, queues: 1 });
  });

  it('delivers each event to each target a second time', async () => {
    await setFaults({ duplicate: { events: true } });
    const put = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'faults', Source: 'trm.faults', DetailType: 'probe', Detail: JSON.stringify({ marker: 'twice' }) }],
      })
    );
    const delivered = await waitFor(() => busEvents('twice').length >= 2 && busEvents('twice'), {
      timeoutMs: 20_000,
      description: 'the event delivered twice',
    });
    expect(delivered.map((line) => line.event.id)).toEqual([put.Entries![0]!.EventId, put.Entries![0]!.EventId]);
    expect((await control('GET', '/faults')).body.injected.duplicate).toEqual({ streams: 0, events: 1, queues: 0 });
  });
});

describe('restarting emulators', () => {
  it("restarts the stack's event bus on the same port, and refuses emulators it shares or does not know", async () => {
    const restarted = await control('POST', '/emulators/events/restart?downForMs=200');
    expect(restarted).toMatchObject({ status: 200, body: { emulator: 'events', downForMs: 200 } });
    expect(restarted.body.restartedInMs).toBeGreaterThanOrEqual(200);
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'faults', Source: 'trm.faults', DetailType: 'probe', Detail: JSON.stringify({ marker: 'restarted' }) }],
      })
    );
    await waitFor(() => busEvents('restarted').length === 1, { timeoutMs: 20_000, description: 'an event after the restart' });
    expect((await control('POST', '/emulators/dynamodb/restart')).status).toBe(409);
    expect((await control('POST', '/emulators/redis/restart')).status).toBe(404);
    expect((await control('POST', '/emulators/sqs/restart?downForMs=-1')).status).toBe(400);
  });
});
