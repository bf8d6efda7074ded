import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { businessMetricNames } from '../../functions/domain/business-metrics.ts';
import { bundleEntryMetadata } from '../../infra/bundling.ts';
import { loadStageConfig } from '../../infra/config.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, string> };

const dev = synthesizeStack({ stage: 'dev', bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev) =>
  Object.entries(synthesized.template.findResources(type) as Record<string, Resource>);
/** Alarms and the dashboard, from the operations stack (infra/constructs/operations-stack.ts), read with the parent's ids. */
const operationsResourcesOf = (type: string, synthesized = dev) =>
  Object.entries(synthesized.operations.findResources(type) as Record<string, Resource>);
const functions = resourcesOf('AWS::Lambda::Function');
const policyStatementsOf = (roleId: string) =>
  resourcesOf('AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, Json>> }).Statement);

describe('traces and metrics', () => {
  it('cover every function', () => {
    expect(functions.length).toBeGreaterThan(30);
  });

  it.each(functions)('%s is traced by X-Ray and records metrics in TRM under its entry name', (_id, fn) => {
    expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const variables = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe('TRM');
    const entry = fn.Metadata?.[bundleEntryMetadata];
    expect(entry).toMatch(/^functions\/[a-z-]+\.ts$/);
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe(entry!.replace(/^functions\//, '').replace(/\.ts$/, ''));
    // Tracing off would leave the role without the X-Ray grant.
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const actions = policyStatementsOf(roleId).flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });
});

describe('API access logs', () => {
  const [[, stage]] = resourcesOf('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
  const settings = stage.Properties.AccessLogSettings as { DestinationArn: Json; Format: string };
  const format = JSON.parse(settings.Format) as Record<string, string>;

  it('go to their log group as one JSON line per request: partner, route, status, latency, request id', () => {
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiAccessLogs/), 'Arn'] });
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      partnerId: '$context.authorizer.partnerId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLatencyMs: '$context.responseLatency',
    });
  });

  it('log no path, query, header, address or agent: nothing a person could be found by', () => {
    for (const variable of Object.values(format)) {
      expect(variable).not.toMatch(/\$context\.(path|identity|requestOverride|http)|\$input|\$request/);
    }
  });
});

describe('the operations dashboard', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ] as const)('is one per stage (%s)', (stage, synthesized) => {
    const dashboards = operationsResourcesOf('AWS::CloudWatch::Dashboard', synthesized);
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]![1].Properties.DashboardName).toBe(`trm-${stage}`);
  });

  /**
   * The dashboard body as CloudWatch reads it, each intrinsic part (a function or queue name)
   * written as `@LogicalId`, then its metric lines one by one.
   */
  const parts = (operationsResourcesOf('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody as { 'Fn::Join': [string, Json[]] })[
    'Fn::Join'
  ][1];
  const joined = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const intrinsic = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return `@${intrinsic.Ref ?? intrinsic['Fn::GetAtt']![0]}`;
    })
    .join('');
  const widgets = (JSON.parse(joined) as { widgets: Array<{ properties: { title?: string; metrics?: Json[][] } }> }).widgets;
  const lines = widgets.flatMap((widget) => (widget.properties.metrics ?? []).map((line) => JSON.stringify(line)));
  const body = lines.join('\n');

  it('shows the API: requests, 5xx, latency', () => {
    const api = resourcesOf('AWS::ApiGatewayV2::Api').map(([id]) => id);
    for (const metric of ['Count', '5xx', '4xx', 'Latency']) expect(body).toContain(`["AWS/ApiGateway","${metric}","ApiId","@${api[0]}"`);
  });

  it("shows each consumer's errors, the stream consumers' iterator age, every queue's age and dead letters", () => {
    const consumerIds = [
      ...new Set(
        resourcesOf('AWS::Lambda::EventSourceMapping').map(([, mapping]) => (mapping.Properties.FunctionName as { Ref: string }).Ref)
      ),
    ];
    expect(consumerIds.length).toBeGreaterThan(5);
    for (const id of consumerIds) expect(body, id).toContain(`["AWS/Lambda","Errors","FunctionName","@${id}"`);
    const streamConsumerIds = resourcesOf('AWS::Lambda::EventSourceMapping')
      .filter(([, mapping]) => mapping.Properties.StartingPosition !== undefined)
      .map(([, mapping]) => (mapping.Properties.FunctionName as { Ref: string }).Ref);
    expect(streamConsumerIds).toHaveLength(2);
    for (const id of streamConsumerIds) expect(body, id).toContain(`["AWS/Lambda","IteratorAge","FunctionName","@${id}"`);
    const queues = resourcesOf('AWS::SQS::Queue').map(([id]) => id);
    const deadLetters = queues.filter((id) => /DeadLetter|OnFailure/.test(id));
    const working = queues.filter((id) => !deadLetters.includes(id));
    expect(working.length).toBeGreaterThan(3);
    for (const id of working) expect(body, id).toContain(`["AWS/SQS","ApproximateAgeOfOldestMessage","QueueName","@${id}"`);
    for (const id of deadLetters) expect(body, id).toContain(`["AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","@${id}"`);
  });

  it('shows SES sends, bounces and complaints, and every business figure of the stage', () => {
    for (const metric of ['Send', 'Bounce', 'Complaint', 'Reputation.BounceRate', 'Reputation.ComplaintRate']) {
      expect(body).toContain(`["AWS/SES","${metric}"`);
    }
    for (const name of businessMetricNames) expect(body, name).toContain(`SEARCH('{TRM} MetricName=\\"${name}\\" stage=\\"dev\\"'`);
  });
});

describe('email that reaches people', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ] as const)(
    'the %s stage has a domain identity with DKIM for its mail domain, sending through its configuration set',
    (stage, synthesized) => {
      const mailDomain = (cdkJson.context.stages as Record<string, { mailDomain?: string }>)[stage]!.mailDomain;
      expect(mailDomain).toBeDefined();
      synthesized.template.hasResourceProperties('AWS::SES::EmailIdentity', {
        EmailIdentity: mailDomain,
        DkimAttributes: { SigningEnabled: true },
        ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
      });
      synthesized.template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: `trm-${stage}` });
    }
  );

  it("sends bounces and complaints to the default bus, where a rule takes this stage's to the feedback consumer's queue", () => {
    dev.template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      },
    });
    const rules = resourcesOf('AWS::Events::Rule').filter(([, rule]) =>
      String(JSON.stringify(rule.Properties.EventPattern)).includes('aws.ses')
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': ['Email Bounced', 'Email Complained'],
      detail: { mail: { tags: { 'ses:configuration-set': ['trm-dev'] } } },
    });
    expect(JSON.stringify(rule.Properties.Targets)).toMatch(/StakeholderNotificationsMailFeedbackQueue/);
  });

  it('the mailer sends through the configuration set, and may', () => {
    const [mailerId, mailer] = functions.find(([id]) => id.startsWith('StakeholderNotificationsMailer'))!;
    expect((mailer.Properties.Environment as { Variables: Record<string, Json> }).Variables.MAIL_CONFIGURATION_SET).toBe('trm-dev');
    const roleId = (mailer.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const ses = policyStatementsOf(roleId).filter((statement) => JSON.stringify(statement.Action).includes('ses:'));
    expect(JSON.stringify(ses[0]!.Resource)).toContain(':configuration-set/trm-dev');
    expect(mailerId).toBeDefined();
  });

  it('a mailbox marked failing raises an alarm on the ops topic', () => {
    const alarms = operationsResourcesOf('AWS::CloudWatch::Alarm').filter(([id]) => id.includes('MailboxesFailingAlarm'));
    expect(alarms).toHaveLength(1);
    const [, alarm] = alarms[0]!;
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
    expect(JSON.stringify(alarm.Properties.Metrics)).toContain('MailboxesFailing');
  });

  it('a sender address outside the mail domain stops synth', () => {
    const context = { ...cdkJson.context, stage: 'prod', senderAddress: 'no-reply@elsewhere.example.org' } as Record<string, unknown>;
    expect(() => loadStageConfig((key) => context[key])).toThrow(/senderAddress: must be an address in mailDomain/);
  });
});

describe('partner keys', () => {
  it('the partners table finds a key before its rotation by a sparse index, and the authorizer may query it', () => {
    const [, partners] = resourcesOf('AWS::DynamoDB::Table').find(([id]) => id.startsWith('DataPartners'))!;
    expect(partners.Properties.GlobalSecondaryIndexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ IndexName: 'byPreviousKeyHash', KeySchema: [{ AttributeName: 'previousKeyHash', KeyType: 'HASH' }] }),
      ])
    );
    const [, authorizer] = functions.find(([id]) => id.startsWith('Authorizer'))!;
    const roleId = (authorizer.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(JSON.stringify(policyStatementsOf(roleId))).toContain('/index/byPreviousKeyHash');
  });
});
