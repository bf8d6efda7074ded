import { App, Stack } from 'aws-cdk-lib';
import { AttributeType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { domainEventTypes } from '../../events/domain-events.ts';
import { publishedChangeFilters } from '../../functions/adapters/table-changes.ts';
import type { StageConfig } from '../../infra/config.ts';
import { CaseStreamConsumer, maxStreamReaders, TooManyStreamReadersError } from '../../infra/constructs/case-stream-consumer.ts';
import { HouseFunction } from '../../infra/constructs/house-function.ts';
import { eventRouteOf, streamReadersOf } from '../support/event-routes.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json> };

const dev = synthesizeStack({ bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev) => synthesized.template.findResources(type) as Record<string, Resource>;
/** The alarms, from the operations stack (infra/constructs/operations-stack.ts), read with the parent's ids. */
const alarmsOf = (synthesized = dev) => synthesized.operations.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
const functionId = (prefix: string): string => {
  const ids = Object.keys(resourcesOf('AWS::Lambda::Function')).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
const configForTest: StageConfig = {
  stage: 'dev',
  senderAddress: 'no-reply@example.org',
  financeAddress: 'finance@example.org',
  alarmEmail: 'ops@example.org',
  caseBaseUrl: 'https://example.org/cases',
  terminationProtection: false,
  logRetentionDays: 14,
  apiThrottle: { rateLimit: 1, burstLimit: 1 },
  eventArchiveDays: 1,
  programmeWindows: {},
};
const busRules = (synthesized = dev) =>
  Object.entries(resourcesOf('AWS::Events::Rule', synthesized)).filter(([, rule]) => rule.Properties.EventBusName !== undefined);

describe("the cases table's stream", () => {
  it(`has at most ${maxStreamReaders} readers: the eligibility engine and the event publisher`, () => {
    const readers = streamReadersOf(dev.template, 'DataCases');
    expect(readers.length).toBeLessThanOrEqual(2);
    expect(readers.sort()).toEqual([functionId('EligibilityAssess'), functionId('EventsPublisher')].sort());
  });

  it('refuses a third reader at synth time', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Readers');
    const table = new Table(stack, 'Cases', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    const alarmTopic = new Topic(stack, 'Alarms');
    const reader = (id: string) =>
      new CaseStreamConsumer(stack, id, {
        table,
        alarmTopic,
        description: id,
        filters: [],
        consumer: new HouseFunction(stack, `${id}Function`, {
          entry: 'health.ts',
          description: id,
          config: configForTest,
          alarmTopic,
        }),
      });
    reader('First');
    reader('Second');
    expect(() => reader('Third')).toThrow(TooManyStreamReadersError);
  });

  it('is read by the publisher for case and payment items only, with partial failures, bisect and an alarmed on-failure queue', () => {
    const mapping = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping')).find(
      (candidate) => candidate.Properties.FunctionName.Ref === functionId('EventsPublisher')
    )!;
    expect(mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern))).toEqual(
      publishedChangeFilters
    );
    expect(publishedChangeFilters).toEqual([
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['CASE'] } } } },
      { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'PAYMENT#' }] } } } },
    ]);
    expect(mapping.Properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: expect.anything() } },
    });
  });
});

describe('the bus', () => {
  it.each([
    ['dev', dev, 7],
    ['prod', prod, 365],
  ] as const)('%s: one bus trm-<stage> with an archive of every domain event, kept as the stage says', (stage, synthesized, days) => {
    const buses = Object.values(resourcesOf('AWS::Events::EventBus', synthesized));
    expect(buses.map((bus) => bus.Properties.Name)).toEqual([`trm-${stage}`]);
    const archives = Object.values(resourcesOf('AWS::Events::Archive', synthesized));
    expect(archives).toHaveLength(1);
    expect(archives[0]!.Properties.RetentionDays).toBe(days);
    expect(archives[0]!.Properties.EventPattern.source.sort()).toEqual(
      [...new Set(Object.values(domainEventTypes).map((type) => type.source))].sort()
    );
  });

  it('is written to by the publisher only', () => {
    const writers = Object.values(resourcesOf('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('events:PutEvents')
    );
    expect(writers).toHaveLength(1);
    const roleId = resourcesOf('AWS::Lambda::Function')[functionId('EventsPublisher')]!.Properties.Role['Fn::GetAtt'][0];
    expect(writers[0]!.Properties.Roles).toEqual([{ Ref: roleId }]);
  });

  it('has a rule per consumer', () => {
    expect(busRules()).toHaveLength(5);
  });

  it.each(busRules())('rule %s: routes to one queue with a dead-letter queue and an alarm, consumed with partial failures', (_id, rule) => {
    const queues = resourcesOf('AWS::SQS::Queue');
    expect(rule.Properties.Targets).toHaveLength(1);
    const queueId = rule.Properties.Targets[0].Arn['Fn::GetAtt'][0] as string;
    const queue = queues[queueId]!;
    const deadLetterId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    expect(queues[deadLetterId]).toBeDefined();
    const alarms = Object.values(alarmsOf()).filter(
      (alarm) =>
        alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(alarm.Properties.Dimensions).includes(deadLetterId)
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties.AlarmActions).toHaveLength(1);
    const mappings = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => mapping.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === queueId
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const consumer = resourcesOf('AWS::Lambda::Function')[mappings[0]!.Properties.FunctionName.Ref]!;
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
    // Idempotency on the event id: the consumer records what it handled.
    expect(consumer.Properties.Environment.Variables.IDEMPOTENCY_TABLE_NAME.Ref).toMatch(/^DataIdempotency/);
    // The bus may send to the queue, and only this rule.
    const policies = Object.values(resourcesOf('AWS::SQS::QueuePolicy')).filter((policy) =>
      JSON.stringify(policy.Properties.Queues).includes(queueId)
    );
    expect(JSON.stringify(policies)).toContain('events.amazonaws.com');
    // Every event type the rule routes is a domain event type of its source.
    for (const type of rule.Properties.EventPattern['detail-type']) {
      expect(rule.Properties.EventPattern.source).toContain(domainEventTypes[type as keyof typeof domainEventTypes].source);
    }
  });
});

describe('the consumers', () => {
  it.each([
    ['LifecycleOfferReferral', { 'detail-type': ['referral.status_changed'], detail: { status: ['eligible'] } }],
    ['EligibilityPromote', { 'detail-type': ['referral.place_released'] }],
    ['StakeholderNotificationsCaseEvents', { 'detail-type': ['referral.status_changed', 'referral.offered'] }],
    ['PaymentProcessingNotifier', { 'detail-type': ['payment.status_changed'] }],
  ])('%s takes what it handled from the stream before, as events', (prefix, pattern) => {
    const route = eventRouteOf(dev.template, functionId(prefix));
    expect(route.patterns).toHaveLength(1);
    expect(route.patterns[0]).toMatchObject(pattern);
    expect(route.patterns[0].detail).toEqual((pattern as { detail?: unknown }).detail);
    // Off the stream: a consumer reads events, never images.
    expect(streamReadersOf(dev.template, 'DataCases')).not.toContain(functionId(prefix));
  });
});
