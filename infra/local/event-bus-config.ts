import { type FilterPattern, parseFilterPattern } from './event-filter.ts';
import { readTargetInput, type TargetInput } from './events-input.ts';
import { resourcesOfType } from './resource-types.ts';
import { localRuleName, ruleArn } from './schedules.ts';
import {
  type CfnTemplate,
  isRecord,
  knownProperties,
  localAccountId,
  localRegion,
  type ResourceContext,
  resolveIntrinsics,
} from './template.ts';

export const DefaultBusName = 'default';

export type EventTarget = {
  id: string;
  arn: string;
  input: TargetInput;
  /** Where a delivery that failed every attempt goes (an SQS queue URL). */
  deadLetterQueueUrl?: string;
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
} & ({ kind: 'sqs'; queueUrl: string; messageGroupId?: string } | { kind: 'lambda'; functionId: string });

export interface EventRuleConfig {
  logicalId: string;
  name: string;
  arn: string;
  busName: string;
  /** The pattern as the template gives it, for ListRules and DescribeRule. */
  patternText: string;
  pattern: FilterPattern;
  state: 'ENABLED' | 'DISABLED';
  targets: EventTarget[];
}

export interface ArchiveConfig {
  logicalId: string;
  name: string;
  arn: string;
  busName: string;
  pattern: FilterPattern | undefined;
  /** 0 keeps events for ever, as EventBridge does. */
  retentionDays: number;
}

export interface EventBusConfig {
  /** Every bus events can be put on: `default` and the template's. */
  buses: string[];
  rules: EventRuleConfig[];
  archives: ArchiveConfig[];
}

const RuleProperties = {
  used: ['Name', 'EventPattern', 'EventBusName', 'State', 'Targets'],
  ignored: ['Description', 'RoleArn'],
};
const TargetProperties = {
  used: ['Arn', 'Id', 'Input', 'InputPath', 'InputTransformer', 'SqsParameters', 'DeadLetterConfig', 'RetryPolicy'],
  ignored: ['RoleArn'],
};
/** EventBridge's defaults: 185 retries within 24 hours. */
const DefaultRetryAttempts = 185;
const DefaultEventAgeSeconds = 86_400;

export function eventBusArn(name: string): string {
  return `arn:aws:events:${localRegion}:${localAccountId}:event-bus/${name}`;
}

export function archiveArn(name: string): string {
  return `arn:aws:events:${localRegion}:${localAccountId}:archive/${name}`;
}

/** A bus given by name or by ARN, as PutEvents and rules accept it. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return DefaultBusName;
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split(':event-bus/')[1] ?? nameOrArn) : nameOrArn;
}

export function isEventPatternRule(properties: Record<string, unknown>): boolean {
  return properties.EventPattern !== undefined;
}

/**
 * The buses, event-pattern rules and archives of a template. Scheduled rules stay with
 * schedules.ts. A target the local stack cannot deliver to stops start-up, naming the rule.
 */
export function readEventBus(
  template: CfnTemplate,
  ctx: ResourceContext,
  stackName: string,
  findFunction: (reference: string) => string | undefined
): EventBusConfig {
  const buses = [DefaultBusName, ...resourcesOfType(template, 'AWS::Events::EventBus').map(([id]) => ctx[id]?.ref ?? id)];
  const rules = resourcesOfType(template, 'AWS::Events::Rule')
    .filter(([, resource]) => isEventPatternRule(resource.Properties ?? {}))
    .map(([logicalId, resource]) => readRule(logicalId, resource.Properties ?? {}, { ctx, stackName, findFunction, buses }));
  const archives = resourcesOfType(template, 'AWS::Events::Archive').map(([logicalId, resource]) => {
    const at = `Resources.${logicalId}.Properties`;
    const properties = resolveIntrinsics(resource.Properties ?? {}, ctx, { path: at, stackName }) as Record<string, unknown>;
    const name = ctx[logicalId]?.ref ?? logicalId;
    return {
      logicalId,
      name,
      arn: archiveArn(name),
      busName: knownBus(busNameOf(String(properties.SourceArn)), buses, `${at}.SourceArn`),
      pattern: properties.EventPattern === undefined ? undefined : eventPattern(properties.EventPattern, `${at}.EventPattern`),
      retentionDays: Number(properties.RetentionDays ?? 0),
    };
  });
  return { buses, rules, archives };
}

interface ReadContext {
  ctx: ResourceContext;
  stackName: string;
  findFunction: (reference: string) => string | undefined;
  buses: string[];
}

function readRule(logicalId: string, raw: Record<string, unknown>, { ctx, stackName, findFunction, buses }: ReadContext): EventRuleConfig {
  const at = `Resources.${logicalId}`;
  if ('ScheduleExpression' in raw) throw new Error(`${at}: a rule with both EventPattern and ScheduleExpression is not supported locally`);
  const properties = knownProperties(raw, RuleProperties, ctx, { at, type: 'AWS::Events::Rule', stackName });
  const name = localRuleName(logicalId, raw, stackName);
  const pattern = eventPattern(properties.EventPattern, `${at}.Properties.EventPattern`);
  const targets = (Array.isArray(properties.Targets) ? properties.Targets : []).map((target, i) =>
    readTarget(target, `${at}.Properties.Targets[${i}]`, ctx, findFunction)
  );
  return {
    logicalId,
    name,
    arn: ruleArn(name),
    busName: knownBus(busNameOf(properties.EventBusName as string | undefined), buses, `${at}.Properties.EventBusName`),
    patternText: typeof properties.EventPattern === 'string' ? properties.EventPattern : JSON.stringify(properties.EventPattern),
    pattern,
    state: properties.State === undefined || String(properties.State).startsWith('ENABLED') ? 'ENABLED' : 'DISABLED',
    targets,
  };
}

function readTarget(
  target: unknown,
  where: string,
  ctx: ResourceContext,
  findFunction: (reference: string) => string | undefined
): EventTarget {
  if (!isRecord(target)) throw new Error(`${where}: not an object`);
  for (const name of Object.keys(target)) {
    if (!TargetProperties.used.includes(name) && !TargetProperties.ignored.includes(name)) {
      throw new Error(`${where}: unsupported target property ${name}`);
    }
  }
  const arn = String(target.Arn);
  const retry = isRecord(target.RetryPolicy) ? target.RetryPolicy : {};
  const deadLetterArn = isRecord(target.DeadLetterConfig) ? target.DeadLetterConfig.Arn : undefined;
  const common = {
    id: String(target.Id),
    arn,
    input: readTargetInput(target, where),
    maximumRetryAttempts: Number(retry.MaximumRetryAttempts ?? DefaultRetryAttempts),
    maximumEventAgeSeconds: Number(retry.MaximumEventAgeInSeconds ?? DefaultEventAgeSeconds),
    ...(deadLetterArn === undefined ? {} : { deadLetterQueueUrl: queueUrlOf(String(deadLetterArn), ctx, `${where}.DeadLetterConfig.Arn`) }),
  };
  const service = arn.split(':')[2];
  if (service === 'sqs') {
    const queueUrl = queueUrlOf(arn, ctx, `${where}.Arn`);
    const groupId = isRecord(target.SqsParameters) ? target.SqsParameters.MessageGroupId : undefined;
    if (arn.endsWith('.fifo') && groupId === undefined) throw new Error(`${where}: a FIFO queue target needs SqsParameters.MessageGroupId`);
    return { ...common, kind: 'sqs', queueUrl, ...(groupId === undefined ? {} : { messageGroupId: String(groupId) }) };
  }
  if (target.SqsParameters !== undefined) throw new Error(`${where}: SqsParameters on a target that is not an SQS queue`);
  if (service === 'lambda') {
    const functionId = findFunction(arn);
    if (functionId === undefined) throw new Error(`${where}: ${arn} is not a function of the template`);
    return { ...common, kind: 'lambda', functionId };
  }
  throw new Error(`${where}: target ${arn} is not supported locally (only SQS queues and Lambda functions)`);
}

function queueUrlOf(arn: string, ctx: ResourceContext, where: string): string {
  const queue = Object.values(ctx).find((resource) => resource.attributes.Arn === arn && resource.attributes.QueueUrl !== undefined);
  if (queue === undefined) throw new Error(`${where}: ${arn} is not a queue of the template`);
  return queue.ref;
}

function knownBus(name: string, buses: string[], where: string): string {
  if (!buses.includes(name)) throw new Error(`${where}: event bus ${name} is not in the template`);
  return name;
}

/** CloudFormation takes a pattern as an object or as a JSON string. */
function eventPattern(value: unknown, where: string): FilterPattern {
  return parseFilterPattern(typeof value === 'string' ? value : JSON.stringify(value), where, 'EventBridge');
}
