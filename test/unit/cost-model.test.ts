import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCloudAssembly } from '../../infra/local/assembly.ts';
import { fixedMonthly, priceCase, withNestedStacks } from '../../infra/local/cost-model.ts';
import { prices } from '../../infra/local/prices.ts';
import type { OperationStats } from '../../infra/local/request-counter.ts';
import type { CfnResource } from '../../infra/local/template.ts';

const stats = (changes: Partial<OperationStats>): OperationStats => ({
  count: 0,
  emulatorMs: 0,
  errors: {},
  readUnits: 0,
  writeUnits: 0,
  unmetered: 0,
  refusedWriteUnits: 0,
  ...changes,
});

const usdOf = (lines: Array<{ service: string; usd: number }>, service: string): number | undefined =>
  lines.find((line) => line.service === service)?.usd;

describe('the cost of a case', () => {
  const lines = priceCase({
    functions: [
      { functionName: 'a', memoryMb: 512, invocations: 3, billedMs: 2_000 },
      { functionName: 'b', memoryMb: 1024, invocations: 1, billedMs: 1_000 },
    ],
    requests: {
      'dynamodb GetItem': stats({ count: 10, readUnits: 10 }),
      'dynamodb TransactWriteItems': stats({ count: 2, writeUnits: 8, refusedWriteUnits: 4 }),
      'sqs SendMessageBatch': stats({ count: 3 }),
      'kms Decrypt': stats({ count: 5 }),
      'eventbridge PutEvents': stats({ count: 2 }),
    },
    apiRequests: 7,
    emailRecipients: 4,
    queueTriggeredInvocations: 2,
    logBytes: 1024 ** 3 - 7 * 350,
  });

  it('prices Lambda by request and by GB-second at each function’s memory', () => {
    expect(usdOf(lines, 'Lambda requests')).toBeCloseTo(4 * prices.lambda.perRequest, 12);
    // 0.5 GB × 2 s + 1 GB × 1 s = 2 GB-s.
    expect(usdOf(lines, 'Lambda duration (arm64)')).toBeCloseTo(2 * prices.lambda.perGbSecondArm64, 12);
  });

  it('prices DynamoDB by the units consumed, refused writes included', () => {
    expect(usdOf(lines, 'DynamoDB reads (on-demand)')).toBeCloseTo(10 * prices.dynamodb.perReadRequestUnit, 12);
    expect(usdOf(lines, 'DynamoDB writes (on-demand)')).toBeCloseTo(12 * prices.dynamodb.perWriteRequestUnit, 12);
  });

  it('prices the queue pollers’ receive and delete, each email, KMS, EventBridge, the API and the logs', () => {
    expect(usdOf(lines, 'SQS')).toBeCloseTo(7 * prices.sqs.perRequest, 12);
    expect(usdOf(lines, 'SES')).toBeCloseTo(4 * prices.ses.perEmail, 12);
    expect(usdOf(lines, 'KMS')).toBeCloseTo(5 * prices.kms.perRequest, 12);
    expect(usdOf(lines, 'EventBridge')).toBeCloseTo(2 * prices.eventBridge.perEvent, 12);
    expect(usdOf(lines, 'API Gateway HTTP API')).toBeCloseTo(7 * prices.apiGateway.httpApiPerRequest, 12);
    // The function logs and the access log lines make one GB here.
    expect(usdOf(lines, 'CloudWatch Logs ingestion')).toBeCloseTo(prices.cloudWatch.logsIngestionPerGb, 9);
  });
});

describe('the fixed monthly cost', () => {
  it('counts the keys, alarms and dashboards of the template, and the idle polling of each queue mapping', () => {
    const lines = fixedMonthly({
      Resources: {
        Key: { Type: 'AWS::KMS::Key' },
        AlarmA: { Type: 'AWS::CloudWatch::Alarm' },
        AlarmB: { Type: 'AWS::CloudWatch::Alarm' },
        Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
        FromQueue: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
        FromStream: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] } } },
      },
    });
    expect(usdOf(lines, 'KMS customer managed keys')).toBe(prices.kms.perCustomerManagedKeyMonth);
    expect(usdOf(lines, 'CloudWatch alarms')).toBeCloseTo(2 * prices.cloudWatch.perAlarmMonth, 9);
    expect(usdOf(lines, 'CloudWatch dashboards')).toBe(prices.cloudWatch.perDashboardMonth);
    // Five pollers, a 20-second receive each, for 30 days: only the queue's mapping.
    expect(usdOf(lines, 'SQS polling by idle event source mappings')).toBeCloseTo(648_000 * prices.sqs.perRequest, 9);
  });
});

describe('the fixed monthly cost of a stack with a nested stack', () => {
  it('counts the alarms and the dashboard of the nested stack, as cdk synth writes it beside the parent', () => {
    const nestedFile = 'fixtureOperations1234ABCD.nested.template.json';
    const operations = {
      Type: 'AWS::CloudFormation::Stack',
      Properties: { TemplateURL: 'nested' },
      Metadata: { 'aws:asset:path': nestedFile, 'aws:asset:property': 'TemplateURL' },
    } as CfnResource;
    const cdkOutDir = writeCloudAssembly({}, { Key: { Type: 'AWS::KMS::Key' }, Operations: operations });
    try {
      const alarm = { Type: 'AWS::CloudWatch::Alarm' };
      const nested = { Resources: { Key: alarm, AlarmB: alarm, Dashboard: { Type: 'AWS::CloudWatch::Dashboard' } } };
      writeFileSync(join(cdkOutDir, nestedFile), JSON.stringify(nested));
      const lines = fixedMonthly(withNestedStacks(cdkOutDir));
      // The nested stack's `Key` is an alarm: a logical id it shares with the parent replaces nothing.
      expect(usdOf(lines, 'KMS customer managed keys')).toBe(prices.kms.perCustomerManagedKeyMonth);
      expect(usdOf(lines, 'CloudWatch alarms')).toBeCloseTo(2 * prices.cloudWatch.perAlarmMonth, 9);
      expect(usdOf(lines, 'CloudWatch dashboards')).toBe(prices.cloudWatch.perDashboardMonth);
    } finally {
      rmSync(cdkOutDir, { recursive: true, force: true });
    }
  });
});
