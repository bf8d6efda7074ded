/**
 * What a measured usage costs on AWS at the list prices of prices.ts: the variable cost of one
 * case, per service, and the stack's fixed monthly cost from the template's resources. Plain
 * arithmetic on counts, so the benchmark's figures can be checked by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prices } from './prices.ts';
import type { OperationStats } from './request-counter.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnTemplate, loadStackTemplate } from './template.ts';

/** One function's invocations in the measured run. */
export interface FunctionUsage {
  functionName: string;
  memoryMb: number;
  invocations: number;
  /** Each invocation's duration rounded up to the millisecond, as Lambda bills it, summed. */
  billedMs: number;
}

export interface CaseUsage {
  functions: FunctionUsage[];
  /** What the counting proxies saw, by `service Operation`. */
  requests: Record<string, OperationStats>;
  apiRequests: number;
  /** Recipients of the emails SES accepted (each To, Cc and Bcc is an email to AWS). */
  emailRecipients: number;
  /** Invocations by an SQS event source mapping: each took a receive and a delete the runner does not count. */
  queueTriggeredInvocations: number;
  /** Bytes the functions wrote to their logs, and the API's access log lines (estimated). */
  logBytes: number;
}

export interface CostLine {
  service: string;
  quantity: string;
  usd: number;
}

/** What API Gateway writes per request to the access log group (its default JSON line). */
export const AccessLogBytesPerRequest = 350;

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
const count = (n: number, unit: string): string => `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`;

/**
 * Refused DynamoDB writes carry no ConsumedCapacity in the answer, yet AWS charges them: a refused
 * conditional write one unit, a cancelled transaction two per item (counted by the proxy).
 */
export function priceCase(usage: CaseUsage): CostLine[] {
  const lambdaRequests = sum(usage.functions.map((fn) => fn.invocations));
  const gbSeconds = sum(usage.functions.map((fn) => (fn.memoryMb / 1024) * (fn.billedMs / 1000)));
  const of = (service: string): OperationStats[] =>
    Object.entries(usage.requests)
      .filter(([name]) => name.split(' ')[0] === service)
      .map(([, stats]) => stats);
  const dynamodb = of('dynamodb');
  const readUnits = sum(dynamodb.map((stats) => stats.readUnits));
  const writeUnits = sum(dynamodb.map((stats) => stats.writeUnits));
  const refusedUnits = sum(dynamodb.map((stats) => stats.refusedWriteUnits));
  const requestsOf = (service: string): number => sum(of(service).map((stats) => stats.count));
  const sqsRequests = requestsOf('sqs') + 2 * usage.queueTriggeredInvocations;
  const kmsRequests = requestsOf('kms');
  const events = requestsOf('eventbridge') + requestsOf('events');
  const logGb = (usage.logBytes + usage.apiRequests * AccessLogBytesPerRequest) / 1024 ** 3;
  return [
    { service: 'Lambda requests', quantity: count(lambdaRequests, 'invocations'), usd: lambdaRequests * prices.lambda.perRequest },
    {
      service: 'Lambda duration (arm64)',
      quantity: `${gbSeconds.toFixed(2)} GB-s`,
      usd: gbSeconds * prices.lambda.perGbSecondArm64,
    },
    {
      service: 'API Gateway HTTP API',
      quantity: count(usage.apiRequests, 'requests'),
      usd: usage.apiRequests * prices.apiGateway.httpApiPerRequest,
    },
    {
      service: 'DynamoDB reads (on-demand)',
      quantity: count(readUnits, 'RRU (ConsumedCapacity)'),
      usd: readUnits * prices.dynamodb.perReadRequestUnit,
    },
    {
      service: 'DynamoDB writes (on-demand)',
      quantity: `${count(writeUnits, 'WRU (ConsumedCapacity)')} + ${count(refusedUnits, 'refused (estimated)')}`,
      usd: (writeUnits + refusedUnits) * prices.dynamodb.perWriteRequestUnit,
    },
    {
      service: 'SQS',
      quantity: `${count(sqsRequests, 'requests')} (${2 * usage.queueTriggeredInvocations} by the pollers, estimated)`,
      usd: sqsRequests * prices.sqs.perRequest,
    },
    { service: 'SES', quantity: count(usage.emailRecipients, 'emails'), usd: usage.emailRecipients * prices.ses.perEmail },
    { service: 'KMS', quantity: count(kmsRequests, 'requests'), usd: kmsRequests * prices.kms.perRequest },
    { service: 'EventBridge', quantity: count(events, 'events'), usd: events * prices.eventBridge.perEvent },
    {
      service: 'CloudWatch Logs ingestion',
      quantity: `${((usage.logBytes + usage.apiRequests * AccessLogBytesPerRequest) / 1024).toFixed(1)} KB`,
      usd: logGb * prices.cloudWatch.logsIngestionPerGb,
    },
  ];
}

/**
 * The stack's cost before any case: what its resources cost by the month. Storage-priced items
 * (point-in-time recovery, backups) grow with the data and are left out: they are per GB-month.
 * Each SQS event source mapping long-polls its queue even when it is idle: AWS documents five
 * pollers per mapping, each a 20-second receive, about 648,000 requests a month.
 */
export function fixedMonthly(template: CfnTemplate): CostLine[] {
  const countOf = (type: string): number => resourcesOfType(template, type).length;
  const keys = countOf('AWS::KMS::Key');
  const alarms = countOf('AWS::CloudWatch::Alarm');
  const dashboards = countOf('AWS::CloudWatch::Dashboard');
  const secrets = countOf('AWS::SecretsManager::Secret');
  const queueMappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, resource]) => !JSON.stringify(resource.Properties?.EventSourceArn).includes('StreamArn')
  ).length;
  const idlePolls = queueMappings * 5 * 3 * 60 * 24 * 30;
  const backupPlans = countOf('AWS::Backup::BackupPlan');
  return [
    { service: 'KMS customer managed keys', quantity: count(keys, 'keys'), usd: keys * prices.kms.perCustomerManagedKeyMonth },
    { service: 'CloudWatch alarms', quantity: count(alarms, 'alarms'), usd: alarms * prices.cloudWatch.perAlarmMonth },
    { service: 'CloudWatch dashboards', quantity: count(dashboards, 'dashboards'), usd: dashboards * prices.cloudWatch.perDashboardMonth },
    { service: 'Secrets Manager secrets', quantity: count(secrets, 'secrets'), usd: secrets * prices.secretsManager.perSecretMonth },
    {
      service: 'SQS polling by idle event source mappings',
      quantity: `${queueMappings} mappings, ~${idlePolls.toLocaleString('en')} requests`,
      usd: idlePolls * prices.sqs.perRequest,
    },
    {
      service: 'AWS Backup plans, point-in-time recovery',
      quantity: `${backupPlans} plans; per GB-month of data`,
      usd: 0,
    },
  ];
}

/**
 * The stack's resources with those of its nested stacks, which the local stack does not run but
 * which cost money all the same: the alarms and the dashboard live in the operations stack.
 */
export function withNestedStacks(cdkOutDir: string): CfnTemplate {
  const template = loadStackTemplate(cdkOutDir);
  const resources = { ...template.Resources };
  for (const [id, resource] of resourcesOfType(template, 'AWS::CloudFormation::Stack')) {
    const file = (resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:asset:path'];
    if (typeof file !== 'string') continue;
    const nested = JSON.parse(readFileSync(join(cdkOutDir, file), 'utf8')) as CfnTemplate;
    for (const [nestedId, nestedResource] of Object.entries(nested.Resources ?? {})) resources[`${id}/${nestedId}`] = nestedResource;
  }
  return { ...template, Resources: resources };
}
