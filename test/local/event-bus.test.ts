import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { queue, receiveAll } from './support/aws.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * The event bus of a fixture template: PutEvents over the EventBridge API, rules routing matching
 * events to SQS queues and functions in EventBridge's envelope, input transformers, the archive and
 * a replay to named rules only, kept across a restart, and what the control endpoint lists.
 */
const Source = 'trm.referrals';
const bus = (name: string) => ({ Ref: name });
const queueArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const fixture = {
  resources: {
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'cases' } },
    StatusQueue: queue(),
    OffersQueue: queue(),
    TransformedQueue: queue(),
    OrderedQueue: queue({ FifoQueue: true }),
    StatusChanged: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: bus('Bus'),
        EventPattern: { source: [Source], 'detail-type': ['referral.status_changed'] },
        Targets: [{ Arn: queueArn('StatusQueue'), Id: 'status' }],
      },
    },
    Offers: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: bus('Bus'),
        EventPattern: { source: [Source], detail: { status: [{ prefix: 'OFFER' }] } },
        Targets: [
          { Arn: queueArn('OffersQueue'), Id: 'offers' },
          { Arn: queueArn('OrderedQueue'), Id: 'ordered', SqsParameters: { MessageGroupId: 'offers' } },
          {
            Arn: queueArn('TransformedQueue'),
            Id: 'transformed',
            InputTransformer: {
              InputPathsMap: { reference: '$.detail.reference', type: '$.detail-type', ids: '$.resources' },
              InputTemplate: '{"reference": "<reference>", "type": "<type>", "ids": <ids>, "rule": "<aws.events.rule-name>"}',
            },
          },
        ],
      },
    },
    Disabled: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: bus('Bus'),
        State: 'DISABLED',
        EventPattern: { source: [Source] },
        Targets: [{ Arn: queueArn('StatusQueue'), Id: 'disabled' }],
      },
    },
    OnDefaultBus: {
      Type: 'AWS::Events::Rule',
      Properties: { EventPattern: { source: [Source] }, Targets: [{ Arn: queueArn('StatusQueue'), Id: 'default' }] },
    },
    Functions: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: bus('Bus'),
        EventPattern: { source: [Source], 'detail-type': [{ 'anything-but': 'referral.status_changed' }] },
        Targets: [{ Arn: { 'Fn::GetAtt': ['Consumer', 'Arn'] }, Id: 'consumer', InputPath: '$.detail' }],
      },
    },
    Archive: {
      Type: 'AWS::Events::Archive',
      Properties: { SourceArn: queueArn('Bus'), RetentionDays: 7, EventPattern: { source: [Source] } },
    },
  },
  functions: {
    Consumer: { code: 'bus-target.mjs' },
    // GREETING is one of the variables the probe shows: here it carries the bus's name.
    Probe: { code: 'probe.mjs', environment: { GREETING: bus('Bus') } },
  },
};

let stack: FixtureStack;
let events: EventBridgeClient;
const stateDir = mkdtempSync(join(tmpdir(), 'trm-bus-state-'));
const namePrefix = `t${randomUUID().slice(0, 8)}-`;

const clientOf = (endpoint: string | undefined) => new EventBridgeClient({ region: localRegion, credentials: localCredentials, endpoint });
const queueUrl = (target: LocalStack, id: string): string => target.resources[id]?.ref as string;
const entry = (detailType: string, detail: Record<string, unknown>): PutEventsRequestEntry => ({
  EventBusName: 'cases',
  Source,
  DetailType: detailType,
  Detail: JSON.stringify(detail),
  Resources: ['case/1'],
});
const put = async (client: EventBridgeClient, ...entries: PutEventsRequestEntry[]) =>
  client.send(new PutEventsCommand({ Entries: entries }));
/** Polls a queue until it has held `count` messages, then checks nothing more comes within a short wait. */
const drain = async (url: string, count: number) => {
  const received: Array<Record<string, unknown>> = [];
  await waitFor(
    async () => {
      received.push(...(await receiveAll(url)).map((message) => JSON.parse(message.body) as Record<string, unknown>));
      return received.length >= count;
    },
    { description: `${count} messages in ${url}` }
  );
  return received;
};

beforeAll(async () => {
  stack = await startFixtureStack(fixture, { stateDir, namePrefix });
  events = clientOf(stack.endpoints.eventbridge);
});

afterAll(async () => {
  events?.destroy();
  await stack?.stop();
});

describe('the event bus', () => {
  it('delivers a matching event to the rule’s queue in EventBridge’s envelope, and gives the function its endpoint', async () => {
    const time = new Date('2026-11-30T10:00:00Z');
    const result = await put(events, { ...entry('referral.status_changed', { reference: 'TRM-1', status: 'SUBMITTED' }), Time: time });
    expect(result.FailedEntryCount).toBe(0);
    const [message] = await drain(queueUrl(stack, 'StatusQueue'), 1);
    expect(message).toEqual({
      version: '0',
      id: result.Entries?.[0]?.EventId,
      'detail-type': 'referral.status_changed',
      source: Source,
      account: '000000000000',
      time: '2026-11-30T10:00:00Z',
      region: 'eu-west-3',
      resources: ['case/1'],
      detail: { reference: 'TRM-1', status: 'SUBMITTED' },
    });
    const probe = await stack.invoke('Probe', {});
    expect((probe.payload as { env: Record<string, string> }).env).toMatchObject({
      AWS_ENDPOINT_URL_EVENTBRIDGE: stack.endpoints.eventbridge,
      GREETING: 'cases',
    });
  });

  it('does not deliver an event no enabled rule of its bus matches, nor route by a rule of another bus', async () => {
    await put(events, entry('referral.promoted', { reference: 'TRM-2', status: 'PROMOTED' }));
    await waitFor(() => stack.observations().some((line) => line.event?.reference === 'TRM-2'));
    // The function's rule matched; the status rule (another detail-type), the disabled rule and the
    // default bus's rule did not send it to the status queue, nor did the offers rule.
    expect(await receiveAll(queueUrl(stack, 'StatusQueue'))).toEqual([]);
    expect(await receiveAll(queueUrl(stack, 'OffersQueue'))).toEqual([]);
    expect(stack.observations().find((line) => line.event?.reference === 'TRM-2')?.event).toEqual({
      reference: 'TRM-2',
      status: 'PROMOTED',
    });
  });

  it('sends what the input transformer makes, and FIFO targets their message group', async () => {
    const { Entries = [] } = await put(events, entry('referral.offered', { reference: 'TRM-3', status: 'OFFERED' }));
    const [transformed] = await drain(queueUrl(stack, 'TransformedQueue'), 1);
    expect(transformed).toEqual({ reference: 'TRM-3', type: 'referral.offered', ids: ['case/1'], rule: 'fixture-Offers' });
    const [ordered] = await drain(queueUrl(stack, 'OrderedQueue'), 1);
    expect(ordered?.id).toBe(Entries[0]?.EventId);
    await drain(queueUrl(stack, 'OffersQueue'), 1);
  });

  it('reports each failed entry on its own, as EventBridge does, and refuses more than ten entries', async () => {
    const result = await put(
      events,
      entry('referral.status_changed', { reference: 'TRM-4' }),
      { ...entry('referral.status_changed', {}), Detail: '["not", "an object"]' },
      { ...entry('referral.status_changed', {}), Detail: '{not json' },
      { ...entry('referral.status_changed', {}), Source: undefined },
      { ...entry('referral.status_changed', {}), EventBusName: 'nowhere' }
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries?.map(({ EventId, ...error }) => (EventId === undefined ? error : 'ok'))).toEqual([
      'ok',
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
    ]);
    const [delivered] = await drain(queueUrl(stack, 'StatusQueue'), 1);
    expect(delivered?.detail).toEqual({ reference: 'TRM-4' });
    const eleven = Array.from({ length: 11 }, () => entry('referral.status_changed', {}));
    await expect(put(events, ...eleven)).rejects.toThrow(/length less than or equal to 10/);
    const big = { ...entry('referral.status_changed', { padding: 'x'.repeat(256 * 1024) }) };
    await expect(put(events, big)).rejects.toThrow('Total size of the entries in the request is over the limit.');
  });

  it('lists and describes only the template’s rules', async () => {
    const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: 'cases' }));
    expect(Rules.map((rule) => [rule.Name, rule.State]).sort()).toEqual([
      ['fixture-Disabled', 'DISABLED'],
      ['fixture-Functions', 'ENABLED'],
      ['fixture-Offers', 'ENABLED'],
      ['fixture-StatusChanged', 'ENABLED'],
    ]);
    const rule = await events.send(new DescribeRuleCommand({ Name: 'fixture-StatusChanged', EventBusName: 'cases' }));
    expect(JSON.parse(rule.EventPattern ?? '')).toEqual({ source: [Source], 'detail-type': ['referral.status_changed'] });
    await expect(events.send(new DescribeRuleCommand({ Name: 'not-in-template', EventBusName: 'cases' }))).rejects.toThrow(
      /does not exist/
    );
  });

  it('lists each rule with what it delivered at the control endpoint, never an event’s detail', async () => {
    const description = (await (await fetch(stack.controlUrl)).json()) as { eventBus: { rules: Array<Record<string, unknown>> } };
    const statusRule = description.eventBus.rules.find((rule) => rule.logicalId === 'StatusChanged');
    expect(statusRule).toMatchObject({ name: 'fixture-StatusChanged', bus: 'cases', state: 'ENABLED', matchedEvents: 2, invocations: 2 });
    expect(statusRule?.lastEventIds).toHaveLength(2);
    expect(description.eventBus.rules.find((rule) => rule.logicalId === 'Disabled')).toMatchObject({ matchedEvents: 0, invocations: 0 });
    expect(JSON.stringify(description)).not.toContain('TRM-');
  });
});

describe('the archive', () => {
  it('replays archived events to the named rules only, with replay-name, also after a restart', async () => {
    // Every earlier event was delivered, so archived, before this instant: the window holds one event.
    const from = new Date();
    const { Entries = [] } = await put(events, entry('referral.status_changed', { reference: 'TRM-5', status: 'OFFERED_AGAIN' }));
    const eventId = Entries[0]?.EventId;
    await drain(queueUrl(stack, 'StatusQueue'), 1);
    await drain(queueUrl(stack, 'OffersQueue'), 1);
    await drain(queueUrl(stack, 'TransformedQueue'), 1);
    const statusRuleArn = stack.resources.StatusChanged?.attributes.Arn;
    await stack.stop();

    // The archive and the queues outlive the stack: a new one on the same state replays.
    const restarted = await startLocalStack({
      cdkOutDir: stack.cdkOutDir,
      emulators: inject('localEmulators'),
      namePrefix,
      stateDir,
      seeders: [],
      logDir: join(tmpdir(), 'trm-fixture-logs'),
      retryBaseDelayMs: 20,
    });
    try {
      const client = clientOf(restarted.endpoints.eventbridge);
      const started = await client.send(
        new StartReplayCommand({
          ReplayName: 'status-again',
          EventSourceArn: restarted.resources.Archive?.attributes.Arn,
          EventStartTime: from,
          EventEndTime: new Date(),
          Destination: { Arn: restarted.resources.Bus?.attributes.Arn, FilterArns: [statusRuleArn as string] },
        })
      );
      expect(started.State).toBe('STARTING');
      await waitFor(async () => (await client.send(new DescribeReplayCommand({ ReplayName: 'status-again' }))).State === 'COMPLETED');
      const [replayed] = await drain(queueUrl(restarted, 'StatusQueue'), 1);
      expect(replayed).toMatchObject({
        id: eventId,
        'replay-name': 'status-again',
        detail: { reference: 'TRM-5', status: 'OFFERED_AGAIN' },
      });
      // The offers rule matched it too, but was not named.
      expect(await receiveAll(queueUrl(restarted, 'OffersQueue'))).toEqual([]);
      await expect(
        client.send(
          new StartReplayCommand({
            ReplayName: 'status-again',
            EventSourceArn: restarted.resources.Archive?.attributes.Arn,
            EventStartTime: from,
            EventEndTime: new Date(),
            Destination: { Arn: restarted.resources.Bus?.attributes.Arn },
          })
        )
      ).rejects.toThrow('Replay status-again already exists.');
      client.destroy();
    } finally {
      await restarted.stop();
    }
  });
});
