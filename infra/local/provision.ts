import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceNotFoundException,
  type StreamViewType,
  type TableDescription,
  UpdateTableCommand,
  type UpdateTableCommandInput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalEndpoints } from './emulators.ts';
import { passedOverTypes, runtimeTypes } from './resource-types.ts';
import {
  type CfnResource,
  type CfnTemplate,
  isRecord,
  localRegion,
  type ResolvedResource,
  type ResourceContext,
  referencedLogicalIds,
  resolveIntrinsics,
  resolveString,
} from './template.ts';

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface StackOptions {
  /** What `AWS::StackName` resolves to. */
  stackName?: string | undefined;
  /**
   * Put before the logical id of tables and queues the template does not name, so several
   * stacks can share one set of emulators (CloudFormation puts the stack name there).
   */
  namePrefix?: string | undefined;
}

interface ProvisionContext extends StackOptions {
  namePrefix: string;
  ctx: ResourceContext;
  endpoints: LocalEndpoints;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
}

type Properties = Record<string, unknown>;

interface ResourceRule {
  /** Properties the emulator honours; each gets its intrinsics resolved. */
  used: Set<string>;
  /** Properties without local behaviour; never resolved, so they may point at skipped resources. */
  ignored: Set<string>;
  provision(logicalId: string, properties: Properties, context: ProvisionContext): Promise<ResolvedResource>;
}

/** Queue properties that are SQS attributes of the same name. */
const QueueAttributes = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoQueue',
  'FifoThroughputLimit',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'VisibilityTimeout',
]);

const Rules: Record<string, ResourceRule> = {
  'AWS::DynamoDB::Table': {
    used: new Set([
      'AttributeDefinitions',
      'BillingMode',
      'GlobalSecondaryIndexes',
      'KeySchema',
      'LocalSecondaryIndexes',
      'StreamSpecification',
      'TableName',
      'TimeToLiveSpecification',
    ]),
    ignored: new Set([
      'ContributorInsightsSpecification',
      'DeletionProtectionEnabled',
      'OnDemandThroughput',
      'PointInTimeRecoverySpecification',
      'ProvisionedThroughput',
      'ResourcePolicy',
      'SSESpecification',
      'TableClass',
      'Tags',
      'WarmThroughput',
    ]),
    provision: provisionTable,
  },
  'AWS::SQS::Queue': {
    used: new Set([...QueueAttributes, 'QueueName']),
    ignored: new Set(['KmsDataKeyReusePeriodSeconds', 'KmsMasterKeyId', 'SqsManagedSseEnabled', 'Tags']),
    provision: provisionQueue,
  },
};

/**
 * Creates the template's tables and queues in the emulators and returns what each logical id
 * resolves to locally, so Lambda environments can be resolved against it.
 */
export async function provisionResources(
  template: CfnTemplate,
  endpoints: LocalEndpoints,
  options: StackOptions = {}
): Promise<ResourceContext> {
  const clientConfig = { region: localRegion, credentials: localCredentials };
  const context: ProvisionContext = {
    ctx: {},
    endpoints,
    stackName: options.stackName,
    namePrefix: options.namePrefix ?? '',
    dynamodb: new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb }),
    sqs: new SQSClient({ ...clientConfig, endpoint: endpoints.sqs }),
  };
  try {
    for (const logicalId of provisioningOrder(template)) {
      const resource = template.Resources[logicalId] as CfnResource;
      const rule = Rules[resource.Type] as ResourceRule;
      const properties = usedProperties(logicalId, resource, rule, context);
      context.ctx[logicalId] = await rule.provision(logicalId, properties, context);
    }
    return context.ctx;
  } finally {
    context.dynamodb.destroy();
    context.sqs.destroy();
  }
}

/**
 * The resolved `Environment.Variables` of a function. A variable pointing at something that has
 * no local counterpart (a KMS key, a topic) fails here rather than as a confusing runtime error.
 */
export function resolveFunctionEnvironment(
  template: CfnTemplate,
  logicalId: string,
  ctx: ResourceContext,
  options: StackOptions = {}
): Record<string, string> {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`Resources.${logicalId} is not an AWS::Lambda::Function`);
  }
  const environment = resource.Properties?.Environment;
  const variables = isRecord(environment) && isRecord(environment.Variables) ? environment.Variables : {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      const path = `Resources.${logicalId}.Properties.Environment.Variables.${name}`;
      assertLocallyAvailable(value, path, template, ctx);
      return [name, resolveString(value, ctx, { path, stackName: options.stackName })];
    })
  );
}

function assertLocallyAvailable(value: unknown, path: string, template: CfnTemplate, ctx: ResourceContext): void {
  for (const id of referencedLogicalIds(value)) {
    const type = template.Resources[id]?.Type;
    if (!(id in ctx) && type !== undefined) {
      throw new Error(`${path} references ${id} (${type}), which has no local counterpart`);
    }
  }
}

/** Provisionable resources, each after the resources it references (a queue after its DLQ). */
function provisioningOrder(template: CfnTemplate): string[] {
  const provisionable = Object.entries(template.Resources)
    .filter(([id, resource]) => isProvisionable(id, resource))
    .map(([id]) => id);
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string): void => {
    if (ordered.includes(id)) return;
    if (visiting.has(id)) throw new Error(`circular reference between resources involving ${id}`);
    visiting.add(id);
    for (const dependency of dependenciesOf(template.Resources[id] as CfnResource)) {
      if (provisionable.includes(dependency)) visit(dependency);
    }
    visiting.delete(id);
    ordered.push(id);
  };
  provisionable.forEach(visit);
  return ordered;
}

function isProvisionable(logicalId: string, resource: CfnResource): boolean {
  if (resource.Type in Rules) return true;
  if (passedOverTypes.has(resource.Type) || runtimeTypes.has(resource.Type)) return false;
  throw new Error(`Resources.${logicalId}: type ${resource.Type} is not supported by the local stack`);
}

function dependenciesOf(resource: CfnResource): string[] {
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  return [...dependsOn, ...referencedLogicalIds(resource.Properties ?? {})];
}

function usedProperties(logicalId: string, resource: CfnResource, rule: ResourceRule, { ctx, stackName }: ProvisionContext): Properties {
  const properties: Properties = {};
  for (const [name, value] of Object.entries(resource.Properties ?? {})) {
    if (rule.ignored.has(name)) continue;
    if (!rule.used.has(name)) {
      throw new Error(`Resources.${logicalId}: unsupported ${resource.Type} property ${name}`);
    }
    const path = `Resources.${logicalId}.Properties.${name}`;
    properties[name] = resolveIntrinsics(value, ctx, { path, stackName });
  }
  return properties;
}

async function provisionTable(
  logicalId: string,
  properties: Properties,
  { dynamodb, namePrefix }: ProvisionContext
): Promise<ResolvedResource> {
  const tableName = typeof properties.TableName === 'string' ? properties.TableName : `${namePrefix}${logicalId}`;
  const input = createTableInput(tableName, properties);
  const existing = await describeTable(dynamodb, tableName);
  if (existing === undefined) await dynamodb.send(new CreateTableCommand(input));
  else await reconcileTable(dynamodb, logicalId, existing, input);
  await reconcileTimeToLive(dynamodb, tableName, properties);
  const table = await describeTable(dynamodb, tableName);
  const attributes: Record<string, string> = { Arn: required(table?.TableArn, `TableArn of ${tableName}`) };
  if (table?.LatestStreamArn !== undefined && table.StreamSpecification?.StreamEnabled === true) {
    attributes.StreamArn = table.LatestStreamArn;
  }
  return { ref: tableName, attributes };
}

async function describeTable(dynamodb: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * A table kept on disk from an earlier run is brought to what the template says now: indexes and
 * the stream are changed in place (the data stays); a changed key schema cannot be, and says so.
 */
async function reconcileTable(
  dynamodb: DynamoDBClient,
  logicalId: string,
  existing: TableDescription,
  wanted: CreateTableCommandInput
): Promise<void> {
  const tableName = wanted.TableName as string;
  if (!sameKeySchema(existing.KeySchema, wanted.KeySchema)) {
    throw new Error(`Resources.${logicalId}: table ${tableName} kept from an earlier run has another key schema; start with --fresh`);
  }
  const existingIndexes = new Map((existing.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  const wantedIndexes = new Map((wanted.GlobalSecondaryIndexes ?? []).map((index) => [index.IndexName, index]));
  for (const [name, index] of existingIndexes) {
    const replacement = wantedIndexes.get(name);
    const changed = replacement !== undefined && !sameKeySchema(index.KeySchema, replacement.KeySchema);
    if (replacement === undefined || changed) {
      await updateTable(dynamodb, { TableName: tableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: name } }] });
      existingIndexes.delete(name);
    }
  }
  for (const [name, index] of wantedIndexes) {
    if (existingIndexes.has(name)) continue;
    await updateTable(dynamodb, {
      TableName: tableName,
      AttributeDefinitions: wanted.AttributeDefinitions,
      GlobalSecondaryIndexUpdates: [{ Create: index }],
    });
  }
  const stream = existing.StreamSpecification;
  const wantedStream = wanted.StreamSpecification;
  const streamEnabled = stream?.StreamEnabled === true;
  if (streamEnabled && stream?.StreamViewType !== wantedStream?.StreamViewType) {
    await updateTable(dynamodb, { TableName: tableName, StreamSpecification: { StreamEnabled: false } });
  }
  if (wantedStream !== undefined && (!streamEnabled || stream?.StreamViewType !== wantedStream.StreamViewType)) {
    await updateTable(dynamodb, { TableName: tableName, StreamSpecification: wantedStream });
  }
}

async function updateTable(dynamodb: DynamoDBClient, input: UpdateTableCommandInput): Promise<void> {
  await dynamodb.send(new UpdateTableCommand(input));
}

function sameKeySchema(a: KeySchemaElement[] | undefined, b: KeySchemaElement[] | undefined): boolean {
  const render = (schema: KeySchemaElement[] | undefined): string =>
    JSON.stringify((schema ?? []).map(({ AttributeName, KeyType }) => [AttributeName, KeyType]));
  return render(a) === render(b);
}

async function reconcileTimeToLive(dynamodb: DynamoDBClient, tableName: string, properties: Properties): Promise<void> {
  const ttl = properties.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  const { TimeToLiveDescription: current } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const enabled = current?.TimeToLiveStatus === 'ENABLED';
  const wanted = ttl?.Enabled === true;
  if (enabled && (!wanted || current?.AttributeName !== ttl?.AttributeName)) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: current?.AttributeName, Enabled: false },
      })
    );
  }
  if (wanted && (!enabled || current?.AttributeName !== ttl?.AttributeName)) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl?.AttributeName, Enabled: true },
      })
    );
  }
}

type Index = Pick<GlobalSecondaryIndex, 'IndexName' | 'KeySchema' | 'Projection'>;

/** Every table is on-demand locally: capacity is not emulated, and it keeps indexes simple. */
function createTableInput(tableName: string, properties: Properties): CreateTableCommandInput {
  const stream = properties.StreamSpecification as { StreamViewType?: StreamViewType } | undefined;
  // Per-index capacity and insights settings would clash with on-demand billing.
  const indexInput = ({ IndexName, KeySchema, Projection }: Index): Index => ({
    IndexName,
    KeySchema,
    Projection,
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    GlobalSecondaryIndexes: (properties.GlobalSecondaryIndexes as Index[] | undefined)?.map(indexInput),
    LocalSecondaryIndexes: (properties.LocalSecondaryIndexes as Index[] | undefined)?.map(indexInput),
    StreamSpecification: stream?.StreamViewType === undefined ? undefined : { StreamEnabled: true, StreamViewType: stream.StreamViewType },
  };
}

async function provisionQueue(
  logicalId: string,
  properties: Properties,
  { sqs, endpoints, namePrefix }: ProvisionContext
): Promise<ResolvedResource> {
  const { QueueName: name } = properties;
  const queueName = typeof name === 'string' ? name : defaultQueueName(`${namePrefix}${logicalId}`, properties);
  const attributes = queueAttributes(properties);
  const queueUrl = onEndpointOrigin(await createOrUpdateQueue(sqs, queueName, attributes), endpoints.sqs);
  const { Attributes: created } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = required(created?.QueueArn, `QueueArn of ${queueName}`);
  return { ref: queueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl: queueUrl } };
}

/** Provisioning again (a reload in watch mode) must not fail on a queue that already exists. */
async function createOrUpdateQueue(sqs: SQSClient, queueName: string, attributes: Record<string, string>): Promise<string> {
  try {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    return required(created.QueueUrl, `QueueUrl of ${queueName}`);
  } catch (error) {
    // fauxqs names the error the way SQS's query protocol does, which the SDK does not map to its class.
    const exists = error instanceof QueueNameExists || /QueueNameExists|QueueAlreadyExists/.test((error as Error).name);
    if (!exists) throw error;
    const { QueueUrl: queueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const settable = Object.fromEntries(Object.entries(attributes).filter(([key]) => key !== 'FifoQueue'));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: settable }));
    return required(queueUrl, `QueueUrl of ${queueName}`);
  }
}

/** CloudFormation gives unnamed FIFO queues the mandatory `.fifo` suffix too. */
function defaultQueueName(logicalId: string, properties: Properties): string {
  const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
  return fifo ? `${logicalId}.fifo` : logicalId;
}

/** SQS takes every attribute as a string, and policies as JSON documents. */
function queueAttributes(properties: Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (!QueueAttributes.has(name)) continue;
    attributes[name] = isRecord(value) ? JSON.stringify(value) : String(value);
  }
  return attributes;
}

/**
 * fauxqs answers with `http://sqs.<region>.localhost:<port>/…` URLs, which do not resolve, and
 * an SQS client configured by environment variable sends to the queue URL's host. fauxqs finds a
 * queue by the URL's path whatever its host, so the URL is moved onto the endpoint, which is also
 * how AWS's queue URLs relate to its SQS endpoint.
 */
function onEndpointOrigin(queueUrl: string, endpoint: string): string {
  return new URL(new URL(queueUrl).pathname, endpoint).toString();
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the emulator returned no ${what}`);
  return value;
}
