import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { apiRoutes, routeKeyOf } from '../../events/routes.ts';
import { loadStageConfig } from '../../infra/config.ts';
import { eventRouteOf } from '../support/event-routes.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json>; DeletionPolicy?: string };

const dev = synthesizeStack({ stage: 'dev' });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev): Record<string, Resource> =>
  synthesized.template.findResources(type) as Record<string, Resource>;
/** The alarms, from the operations stack (infra/constructs/operations-stack.ts), read with the parent's ids. */
const alarmsOf = (synthesized = dev): Record<string, Resource> =>
  synthesized.operations.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
const functions = Object.entries(resourcesOf('AWS::Lambda::Function'));

/** The bundled code of a function, read from the cloud assembly the way `cdk deploy` would upload it. */
const bundleOf = (fn: Resource): { code: string; dir: string } => {
  const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
  const dir = join(dev.outdir, `asset.${assetHash}`);
  return { code: readFileSync(join(dir, 'index.mjs'), 'utf8'), dir };
};

describe('functions', () => {
  it('exist: the authorizer and the two referral routes at least', () => {
    expect(functions.length).toBeGreaterThanOrEqual(3);
  });

  it.each(functions)('%s runs Node 24 on arm64 with source maps enabled', (_id, fn) => {
    expect(fn.Properties.Runtime).toBe('nodejs24.x');
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toContain('--enable-source-maps');
    expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBeTypeOf('string');
  });

  it.each(functions)('%s bundles the AWS SDK into a minified ESM file with a require banner', (_id, fn) => {
    const { code, dir } = bundleOf(fn);
    // A function that lost its bundled SDK would import it from the runtime instead.
    // (matches are compared, not the code, so a failure does not print a megabyte of bundle)
    expect(code.match(/(?:from|import\(|require\()\s*["']@aws-sdk\/(?:client|lib)-[a-z-]+["']/)?.[0]).toBeUndefined();
    const usesDynamoDb = Object.keys(fn.Properties.Environment.Variables).some((name) => name.endsWith('_TABLE_NAME'));
    expect(code.includes('DynamoDB_20120810')).toBe(usesDynamoDb);
    expect(code.startsWith('import { createRequire as __trmCreateRequire }')).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    // Minified: long lines, not one statement per line.
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
  });

  it.each(functions)('%s has its own log group with retention and an alarm on its errors', (id, fn) => {
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
    expect(resourcesOf('AWS::Logs::LogGroup')[logGroupId]?.Properties.RetentionInDays).toBe(14);
    // Issue 20 replaced the alarm on one error by one on the error rate (errors over invocations).
    const errorAlarms = Object.values(alarmsOf()).filter(
      (alarm) =>
        (
          alarm.Properties.Metrics as
            | Array<{ MetricStat?: { Metric: { MetricName: string; Dimensions: Array<{ Value: { Ref?: string } }> } } }>
            | undefined
        )?.some((query) => query.MetricStat?.Metric.MetricName === 'Errors' && query.MetricStat.Metric.Dimensions[0]?.Value.Ref === id) &&
        alarm.Properties.AlarmActions?.length === 1
    );
    expect(errorAlarms).toHaveLength(1);
  });
});

describe('queues', () => {
  const queues = resourcesOf('AWS::SQS::Queue');
  const mappings = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping'));
  const deadLetterIds = new Set(
    Object.values(queues)
      .map((queue) => queue.Properties.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0] as string | undefined)
      .filter((id): id is string => id !== undefined)
  );
  // A stream consumer's on-failure destination is itself a dead-letter queue (CaseStreamConsumer).
  const onFailureIds = new Set(
    mappings
      .map((mapping) => mapping.Properties.DestinationConfig?.OnFailure?.Destination?.['Fn::GetAtt']?.[0] as string | undefined)
      .filter((id): id is string => id !== undefined)
  );
  const workQueues = Object.entries(queues).filter(([id]) => !deadLetterIds.has(id) && !onFailureIds.has(id));

  it('are a standard notifications queue, a FIFO payments queue, the webhook deliveries queue, one queue per consumer of domain events, the SES feedback queue and the document check queue, each with its dead-letter queue', () => {
    const eventConsumerQueues = Object.values(resourcesOf('AWS::Events::Rule')).filter(
      (rule) => rule.Properties.EventBusName !== undefined
    );
    expect(eventConsumerQueues).toHaveLength(5);
    // S3's Object Created events (the document check) and SES's bounces and complaints (infra/constructs/mail-identity.ts)
    // come through rules on the account's default bus (no EventBusName).
    const serviceEventRules = Object.values(resourcesOf('AWS::Events::Rule')).filter(
      (rule) => rule.Properties.EventBusName === undefined && rule.Properties.EventPattern !== undefined
    );
    expect(serviceEventRules.map((rule) => rule.Properties.EventPattern.source).sort()).toEqual([['aws.s3'], ['aws.ses']]);
    expect(workQueues).toHaveLength(3 + 5 + 2);
    expect(workQueues.filter(([, queue]) => queue.Properties.FifoQueue === true)).toHaveLength(1);
    expect(deadLetterIds.size).toBe(3 + 5 + 2);
  });

  it.each(workQueues)('%s redrives to a dead-letter queue of its own kind and outlives a consumer timeout six times', (id, queue) => {
    const deadLetterId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
    expect(queues[deadLetterId]?.Properties.FifoQueue).toBe(queue.Properties.FifoQueue);
    expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThan(1);
    expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * 30);
    const consumers = mappings
      .filter((mapping) => mapping.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] === id)
      .map((mapping) => resourcesOf('AWS::Lambda::Function')[mapping.Properties.FunctionName.Ref as string]!);
    for (const consumer of consumers) {
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * consumer.Properties.Timeout);
    }
  });

  it.each([...deadLetterIds, ...onFailureIds])('dead-letter queue %s raises an alarm as soon as a message lands', (deadLetterId) => {
    const alarms = Object.values(alarmsOf()).filter(
      (alarm) =>
        alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(alarm.Properties.Dimensions).includes(deadLetterId)
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties.Threshold).toBe(1);
    expect(alarms[0]!.Properties.AlarmActions).toHaveLength(1);
  });
});

describe('case lifecycle', () => {
  const functionWithEntry = (description: string) => functions.find(([, fn]) => String(fn.Properties.Description).startsWith(description))!;

  it('runs the reminders job daily from an EventBridge schedule, retrying a failed run', () => {
    const [remindersId, reminders] = functionWithEntry('Daily reminders');
    const rules = Object.values(resourcesOf('AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(remindersId)
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [remindersId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    expect(reminders.Properties.Environment.Variables.NOTIFICATIONS_QUEUE_URL).toEqual({
      Ref: expect.stringMatching(/^NotificationsQueue/),
    });
    // The coordinators are each reminded by partner id: the job lists them from the partners table.
    expect(reminders.Properties.Environment.Variables.PARTNERS_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^DataPartners/) });
    const roleId = reminders.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(resourcesOf('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    expect(
      statements.some(
        (statement) => [statement.Action].flat().includes('dynamodb:Scan') && JSON.stringify(statement.Resource).includes('DataPartners')
      )
    ).toBe(true);
    dev.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [remindersId, 'Arn'] },
    });
  });

  it('offers eligible cases from its queue, routed the events of cases whose new status is eligible', () => {
    const [offerId] = functionWithEntry('Offers a case');
    const mappings = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => mapping.Properties.FunctionName.Ref === offerId
    );
    expect(mappings).toHaveLength(1);
    const route = eventRouteOf(dev.template, offerId);
    expect(route.mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(route.queue.Properties.RedrivePolicy.deadLetterTargetArn).toBeDefined();
    expect(route.patterns).toEqual([
      { source: ['trm.referrals'], 'detail-type': ['referral.status_changed'], detail: { status: ['eligible'] } },
    ]);
  });
});

describe('tables', () => {
  const tableWithKey = (keyName: string, synthesized = dev) =>
    Object.values(resourcesOf('AWS::DynamoDB::Table', synthesized)).find(
      (table) => table.Properties.KeySchema[0].AttributeName === keyName
    )!;

  it('cases: on demand, streamed with both images, recoverable, encrypted with a customer-managed key', () => {
    const cases = tableWithKey('pk');
    expect(cases.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
    });
    expect(Object.keys(resourcesOf('AWS::KMS::Key'))).toContain(cases.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0]);
  });

  it('cases: no index carries the person block', () => {
    for (const index of tableWithKey('pk').Properties.GlobalSecondaryIndexes) {
      expect(index.Projection.ProjectionType).toBe('INCLUDE');
      expect(index.Projection.NonKeyAttributes).not.toContain('person');
    }
  });

  it('cases: protected from deletion and retained in prod only', () => {
    expect(tableWithKey('pk', prod).Properties.DeletionProtectionEnabled).toBe(true);
    expect(tableWithKey('pk', prod).DeletionPolicy).toBe('Retain');
    expect(tableWithKey('pk').Properties.DeletionProtectionEnabled).toBe(false);
    expect(tableWithKey('pk').DeletionPolicy).toBe('Delete');
  });

  it('partners: keyed by partner id, findable by key hash', () => {
    const partners = tableWithKey('partnerId');
    expect(partners.Properties.GlobalSecondaryIndexes[0]).toMatchObject({
      IndexName: 'byKeyHash',
      KeySchema: [{ AttributeName: 'keyHash', KeyType: 'HASH' }],
    });
  });

  it('idempotency: the Powertools layout with a TTL', () => {
    expect(tableWithKey('id').Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
  });
});

describe('HTTP API', () => {
  // Changed on purpose (issue 20, item 7): a cached answer kept a disabled key passing until it expired.
  it('uses an uncached Lambda request authorizer with simple responses keyed on the Authorization header', () => {
    for (const synthesized of [dev, prod]) {
      synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        EnableSimpleResponses: true,
        AuthorizerPayloadFormatVersion: '2.0',
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 0,
      });
    }
  });

  const partnerRoutes = apiRoutes.filter((route) => route.permission !== 'public').map(routeKeyOf);
  const publicRoutes = apiRoutes.filter((route) => route.permission === 'public').map(routeKeyOf);

  it.each(partnerRoutes)('%s exists behind the authorizer', (routeKey) => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'CUSTOM',
      AuthorizerId: Match.anyValue(),
    });
  });

  it.each(publicRoutes)('%s exists without a partner key', (routeKey) => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'NONE' });
  });

  it('has no route that is not in the route table, but the $default route', () => {
    const templateRoutes = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).map((route) => route.Properties.RouteKey);
    expect(templateRoutes.sort()).toEqual([...partnerRoutes, ...publicRoutes, '$default'].sort());
  });

  it('sends what no route matches to the unmatched-route function, without a partner key', () => {
    const defaultRoutes = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).filter(
      (route) => route.Properties.RouteKey === '$default'
    );
    expect(defaultRoutes).toHaveLength(1);
    const [defaultRoute] = defaultRoutes as [Resource];
    expect(defaultRoute.Properties.AuthorizationType).toBe('NONE');
    expect(defaultRoute.Properties.AuthorizerId).toBeUndefined();
    const integrationId = defaultRoute.Properties.Target['Fn::Join'][1][1].Ref as string;
    const integration = resourcesOf('AWS::ApiGatewayV2::Integration')[integrationId];
    const functionId = integration?.Properties.IntegrationUri['Fn::GetAtt'][0] as string;
    expect(functionId).toMatch(/^UnmatchedRoute[0-9A-F]{8}$/);
    const { code } = bundleOf(resourcesOf('AWS::Lambda::Function')[functionId] as Resource);
    // The 405 answers come from the route table bundled into the function.
    expect(code).toContain('/v1/referrals/{id}/payments');
  });

  it('throttles per stage', () => {
    dev.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });
});

describe('stage configuration', () => {
  const context = (overrides: Record<string, unknown>) => {
    const values: Record<string, unknown> = {
      stage: 'dev',
      stages: {
        dev: {
          senderAddress: 'no-reply@example.org',
          financeAddress: 'finance@example.org',
          alarmEmail: 'ops@example.org',
          caseBaseUrl: 'https://example.org/cases',
          logRetentionDays: 14,
          apiThrottle: { rateLimit: 1, burstLimit: 1 },
        },
      },
      ...overrides,
    };
    return (key: string) => values[key];
  };

  it('accepts a valid stage and lets -c override an address', () => {
    expect(loadStageConfig(context({ financeAddress: 'books@example.org' })).financeAddress).toBe('books@example.org');
  });

  it('stops synth with a message naming the bad field', () => {
    expect(() => loadStageConfig(context({ senderAddress: 'not-an-address' }))).toThrow(
      /Invalid stage configuration for stage 'dev': senderAddress:/
    );
  });

  it('stops synth for an unknown stage', () => {
    expect(() => loadStageConfig(context({ stage: 'staging' }))).toThrow(/stage 'staging'.*stage:/);
  });
});
