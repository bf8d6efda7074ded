import { type FilterPattern, parseFilterPattern } from './event-filter.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnTemplate, isRecord, type ResourceContext, resolveIntrinsics } from './template.ts';

interface CommonMappingConfig {
  logicalId: string;
  /** Logical id of the function it invokes. */
  functionId: string;
  enabled: boolean;
  batchSize: number;
  batchingWindowMs: number;
  filters: FilterPattern[];
  reportBatchItemFailures: boolean;
}

export interface StreamMappingConfig extends CommonMappingConfig {
  kind: 'dynamodb';
  streamArn: string;
  /** Logical id of the table whose stream it reads, for the console. */
  tableId: string;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeSeconds: number;
  onFailure?: { queueUrl: string; queueArn: string };
}

export interface QueueMappingConfig extends CommonMappingConfig {
  kind: 'sqs';
  queueArn: string;
  queueUrl: string;
  /** Logical id of the queue, for the console. */
  queueId: string;
  fifo: boolean;
  /** `ScalingConfig.MaximumConcurrency`: batches of this mapping in flight at once. */
  maximumConcurrency?: number;
}

export type MappingConfig = StreamMappingConfig | QueueMappingConfig;

const Used = new Set([
  'BatchSize',
  'BisectBatchOnFunctionError',
  'DestinationConfig',
  'Enabled',
  'EventSourceArn',
  'FilterCriteria',
  'FunctionName',
  'FunctionResponseTypes',
  'MaximumBatchingWindowInSeconds',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'ScalingConfig',
  'StartingPosition',
]);
const Ignored = new Set(['KmsKeyArn', 'MetricsConfig', 'Tags']);
const StreamOnly = [
  'BisectBatchOnFunctionError',
  'DestinationConfig',
  'MaximumRecordAgeInSeconds',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'StartingPosition',
];

/**
 * Reads every `AWS::Lambda::EventSourceMapping` with the defaults and limits AWS applies. What
 * cannot be reproduced (Kinesis, Kafka, tumbling windows, SNS destinations...) stops start-up
 * with a line naming the mapping and the property.
 */
export function readEventSourceMappings(
  template: CfnTemplate,
  ctx: ResourceContext,
  findFunction: (reference: string) => string | undefined
): MappingConfig[] {
  return resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').map(([logicalId, resource]) => {
    const at = `Resources.${logicalId}`;
    const raw = resource.Properties ?? {};
    for (const name of Object.keys(raw)) {
      if (!Used.has(name) && !Ignored.has(name)) {
        throw new Error(`${at}: unsupported AWS::Lambda::EventSourceMapping property ${name}`);
      }
    }
    const properties = resolveIntrinsics(Object.fromEntries(Object.entries(raw).filter(([name]) => Used.has(name))), ctx, {
      path: `${at}.Properties`,
    }) as Record<string, unknown>;
    const functionReference = String(properties.FunctionName ?? '');
    const functionId = findFunction(functionReference);
    if (functionId === undefined) throw new Error(`${at}: FunctionName ${functionReference} is not a function of the template`);
    const sourceArn = String(properties.EventSourceArn ?? '');
    const common = {
      logicalId,
      functionId,
      enabled: properties.Enabled !== false && properties.Enabled !== 'false',
      filters: filtersOf(properties.FilterCriteria, at),
      reportBatchItemFailures: responseTypes(properties.FunctionResponseTypes, at),
    };
    const table = findByAttribute(ctx, 'StreamArn', sourceArn);
    if (table !== undefined) return streamMapping(at, properties, common, sourceArn, table, ctx);
    const queue = findByAttribute(ctx, 'Arn', sourceArn);
    if (queue !== undefined && ctx[queue]?.attributes.QueueUrl !== undefined) {
      return queueMapping(at, properties, common, sourceArn, queue, ctx);
    }
    throw new Error(`${at}: EventSourceArn ${sourceArn} is neither a table stream nor a queue of the template`);
  });
}

type Common = Omit<CommonMappingConfig, 'batchSize' | 'batchingWindowMs'>;

function streamMapping(
  at: string,
  properties: Record<string, unknown>,
  common: Common,
  streamArn: string,
  tableId: string,
  ctx: ResourceContext
): StreamMappingConfig {
  const startingPosition = properties.StartingPosition;
  if (startingPosition !== 'TRIM_HORIZON' && startingPosition !== 'LATEST') {
    throw new Error(`${at}: StartingPosition ${String(startingPosition)} is not supported for DynamoDB streams`);
  }
  const parallelization = integer(properties, 'ParallelizationFactor', 1, 1, 10, at);
  if (parallelization !== 1) throw new Error(`${at}: ParallelizationFactor ${parallelization} is not supported locally`);
  const maximumRecordAgeSeconds = integer(properties, 'MaximumRecordAgeInSeconds', -1, -1, 604_800, at);
  if (maximumRecordAgeSeconds !== -1 && maximumRecordAgeSeconds < 60) {
    throw new Error(`${at}: MaximumRecordAgeInSeconds must be -1 or at least 60`);
  }
  const onFailure = onFailureDestination(properties.DestinationConfig, ctx, at);
  return {
    ...common,
    kind: 'dynamodb',
    streamArn,
    tableId,
    startingPosition,
    batchSize: integer(properties, 'BatchSize', 100, 1, 10_000, at),
    batchingWindowMs: integer(properties, 'MaximumBatchingWindowInSeconds', 0, 0, 300, at) * 1000,
    bisectBatchOnFunctionError: bool(properties.BisectBatchOnFunctionError),
    maximumRetryAttempts: integer(properties, 'MaximumRetryAttempts', -1, -1, 10_000, at),
    maximumRecordAgeSeconds,
    ...(onFailure === undefined ? {} : { onFailure }),
  };
}

function queueMapping(
  at: string,
  properties: Record<string, unknown>,
  common: Common,
  queueArn: string,
  queueId: string,
  ctx: ResourceContext
): QueueMappingConfig {
  for (const name of StreamOnly) {
    if (properties[name] !== undefined) throw new Error(`${at}: ${name} does not apply to an SQS event source`);
  }
  const queue = ctx[queueId];
  const queueUrl = queue?.attributes.QueueUrl;
  if (queue === undefined || queueUrl === undefined) throw new Error(`${at}: queue ${queueId} has no local counterpart`);
  const fifo = (queue.attributes.QueueName ?? '').endsWith('.fifo');
  const batchSize = integer(properties, 'BatchSize', 10, 1, fifo ? 10 : 10_000, at);
  const windowSeconds = integer(properties, 'MaximumBatchingWindowInSeconds', 0, 0, 300, at);
  if (fifo && windowSeconds > 0) throw new Error(`${at}: MaximumBatchingWindowInSeconds is not supported for FIFO queues`);
  if (batchSize > 10 && windowSeconds < 1) {
    throw new Error(`${at}: a BatchSize over 10 needs MaximumBatchingWindowInSeconds of at least 1`);
  }
  const scaling = properties.ScalingConfig;
  const maximumConcurrency = isRecord(scaling) ? scaling.MaximumConcurrency : undefined;
  if (maximumConcurrency !== undefined) {
    const value = Number(maximumConcurrency);
    if (!Number.isInteger(value) || value < 2 || value > 1000) {
      throw new Error(`${at}: ScalingConfig.MaximumConcurrency must be an integer from 2 to 1000`);
    }
  }
  return {
    ...common,
    kind: 'sqs',
    queueArn,
    queueUrl,
    queueId,
    fifo,
    batchSize,
    batchingWindowMs: windowSeconds * 1000,
    ...(maximumConcurrency === undefined ? {} : { maximumConcurrency: Number(maximumConcurrency) }),
  };
}

function filtersOf(criteria: unknown, at: string): FilterPattern[] {
  if (criteria === undefined) return [];
  const filters = isRecord(criteria) ? criteria.Filters : undefined;
  if (!Array.isArray(filters)) throw new Error(`${at}.Properties.FilterCriteria: Filters must be a list`);
  return filters.map((filter, i) => {
    const where = `${at}.Properties.FilterCriteria.Filters[${i}]`;
    const pattern = isRecord(filter) ? filter.Pattern : undefined;
    if (typeof pattern !== 'string') throw new Error(`${where}: Pattern must be a string`);
    return parseFilterPattern(pattern, where);
  });
}

function responseTypes(value: unknown, at: string): boolean {
  if (value === undefined) return false;
  const types = Array.isArray(value) ? value : [value];
  for (const type of types) {
    if (type !== 'ReportBatchItemFailures') throw new Error(`${at}: FunctionResponseTypes ${String(type)} is not supported`);
  }
  return types.length > 0;
}

function onFailureDestination(config: unknown, ctx: ResourceContext, at: string): { queueUrl: string; queueArn: string } | undefined {
  if (config === undefined) return undefined;
  const onFailure = isRecord(config) ? config.OnFailure : undefined;
  const destination = isRecord(onFailure) ? onFailure.Destination : undefined;
  if (destination === undefined) return undefined;
  const queueArn = String(destination);
  const queue = findByAttribute(ctx, 'Arn', queueArn);
  const queueUrl = queue === undefined ? undefined : ctx[queue]?.attributes.QueueUrl;
  if (queueUrl === undefined) {
    throw new Error(`${at}: on-failure destination ${queueArn} is not a queue of the template (only SQS is emulated)`);
  }
  return { queueUrl, queueArn };
}

function findByAttribute(ctx: ResourceContext, attribute: string, value: string): string | undefined {
  return Object.keys(ctx).find((id) => ctx[id]?.attributes[attribute] === value);
}

function integer(properties: Record<string, unknown>, name: string, fallback: number, min: number, max: number, at: string): number {
  const raw = properties[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${at}: ${name} must be an integer from ${min} to ${max}, got ${String(raw)}`);
  }
  return value;
}

function bool(value: unknown): boolean {
  return value === true || value === 'true';
}
