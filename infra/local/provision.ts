import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalEndpoints } from './emulators.ts';
import {
  isRecord,
  LOCAL_REGION,
  referencedLogicalIds,
  resolveIntrinsics,
  resolveString,
  type CfnResource,
  type CfnTemplate,
  type ResolvedResource,
  type ResourceContext,
} from './template.ts';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface StackOptions {
  /** What `AWS::StackName` resolves to. */
  stackName?: string | undefined;
}

interface Clients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
}

interface ProvisionContext extends StackOptions {
  ctx: ResourceContext;
  clients: Clients;
}

type Provisioner = (logicalId: string, resource: CfnResource, context: ProvisionContext) => Promise<ResolvedResource>;

/**
 * Types that only matter once deployed (permissions, observability, encryption, fan-out to
 * humans) or that the later local stack wires itself (functions, API, event sources).
 * Anything not listed here or in PROVISIONERS is a new kind of resource someone must decide about.
 */
const SKIPPED_TYPES = new Set([
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::CDK::Metadata',
  'AWS::CloudWatch::Alarm',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::KMS::Alias',
  'AWS::KMS::Key',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Function',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
]);

/** Table properties with no behaviour in DynamoDB Local (encryption, backups, capacity, tags). */
const IGNORED_TABLE_PROPERTIES = new Set([
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
]);

const TABLE_PROPERTIES = new Set([
  'TableName',
  'KeySchema',
  'AttributeDefinitions',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
  'BillingMode',
  'TimeToLiveSpecification',
]);

/** Queue properties that are SQS attributes of the same name. */
const QUEUE_ATTRIBUTES = new Set([
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

const QUEUE_PROPERTIES = new Set([...QUEUE_ATTRIBUTES, 'QueueName']);

const IGNORED_QUEUE_PROPERTIES = new Set([
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'SqsManagedSseEnabled',
  'Tags',
]);

const PROVISIONERS: Record<string, Provisioner> = {
  'AWS::DynamoDB::Table': provisionTable,
  'AWS::SQS::Queue': provisionQueue,
};

/**
 * Creates the template's tables and queues in the emulators and returns what each logical id
 * resolves to locally, so Lambda environments can be resolved against it.
 */
export async function provisionResources(template: CfnTemplate, endpoints: LocalEndpoints, options: StackOptions = {}): Promise<ResourceContext> {
  const clients = createClients(endpoints);
  try {
    const ctx: ResourceContext = {};
    for (const logicalId of provisioningOrder(template)) {
      const resource = template.Resources[logicalId] as CfnResource;
      const provision = PROVISIONERS[resource.Type] as Provisioner;
      ctx[logicalId] = await provision(logicalId, resource, { ctx, clients, stackName: options.stackName });
    }
    return ctx;
  } finally {
    clients.dynamodb.destroy();
    clients.sqs.destroy();
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
  options: StackOptions = {},
): Record<string, string> {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`Resources.${logicalId} is not an AWS::Lambda::Function`);
  }
  const environment = resource.Properties?.['Environment'];
  const variables = isRecord(environment) && isRecord(environment['Variables']) ? environment['Variables'] : {};
  const path = `Resources.${logicalId}.Properties.Environment.Variables`;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      assertLocallyAvailable(value, `${path}.${name}`, template, ctx);
      return [name, resolveString(value, ctx, { path: `${path}.${name}`, stackName: options.stackName })];
    }),
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

function createClients(endpoints: LocalEndpoints): Clients {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    dynamodb: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }),
    sqs: new SQSClient({ ...common, endpoint: endpoints.sqs }),
  };
}

/** Provisionable resources, each after the resources it references (a queue after its DLQ). */
function provisioningOrder(template: CfnTemplate): string[] {
  const provisionable = Object.keys(template.Resources).filter((id) => isProvisionable(id, template.Resources[id] as CfnResource));
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
  if (resource.Type in PROVISIONERS) return true;
  if (SKIPPED_TYPES.has(resource.Type)) return false;
  throw new Error(`Resources.${logicalId}: resource type ${resource.Type} has no local provisioning rule`);
}

function dependenciesOf(resource: CfnResource): string[] {
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  return [...dependsOn, ...referencedLogicalIds(resource.Properties ?? {})];
}

/** Resolves only the properties we use, so ignored ones may reference unprovisioned resources. */
function usedProperties(
  logicalId: string,
  resource: CfnResource,
  { used, ignored }: { used: Set<string>; ignored: Set<string> },
  { ctx, stackName }: ProvisionContext,
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(resource.Properties ?? {})) {
    if (ignored.has(name)) continue;
    if (!used.has(name)) throw new Error(`Resources.${logicalId}: unsupported ${resource.Type} property ${name}`);
    properties[name] = resolveIntrinsics(value, ctx, { path: `Resources.${logicalId}.Properties.${name}`, stackName });
  }
  return properties;
}

async function provisionTable(logicalId: string, resource: CfnResource, context: ProvisionContext): Promise<ResolvedResource> {
  const { clients } = context;
  const properties = usedProperties(logicalId, resource, { used: TABLE_PROPERTIES, ignored: IGNORED_TABLE_PROPERTIES }, context);
  const tableName = typeof properties['TableName'] === 'string' ? properties['TableName'] : logicalId;
  await clients.dynamodb.send(new CreateTableCommand(createTableInput(tableName, properties)));
  const ttl = properties['TimeToLiveSpecification'] as { AttributeName?: string; Enabled?: boolean } | undefined;
  if (ttl?.Enabled === true) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  const { Table: table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const attributes: Record<string, string> = { Arn: required(table?.TableArn, `TableArn of ${tableName}`) };
  if (table?.LatestStreamArn !== undefined) attributes['StreamArn'] = table.LatestStreamArn;
  return { ref: tableName, attributes };
}

/** Every table is on-demand locally: capacity is not emulated, and it keeps indexes simple. */
function createTableInput(tableName: string, properties: Record<string, unknown>): CreateTableCommandInput {
  const stream = properties['StreamSpecification'] as { StreamViewType?: string } | undefined;
  const globalIndexes = properties['GlobalSecondaryIndexes'] as IndexProperties[] | undefined;
  const localIndexes = properties['LocalSecondaryIndexes'] as IndexProperties[] | undefined;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: properties['KeySchema'] as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
    GlobalSecondaryIndexes: globalIndexes?.map(indexInput),
    LocalSecondaryIndexes: localIndexes?.map(indexInput),
    StreamSpecification:
      stream?.StreamViewType === undefined ? undefined : { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES' },
  };
}

type IndexProperties = Required<Pick<NonNullable<CreateTableCommandInput['LocalSecondaryIndexes']>[number], 'IndexName' | 'KeySchema' | 'Projection'>>;

/** Drops per-index capacity and insights settings, which the on-demand local table rejects or ignores. */
function indexInput({ IndexName, KeySchema, Projection }: IndexProperties): IndexProperties {
  return { IndexName, KeySchema, Projection };
}

async function provisionQueue(logicalId: string, resource: CfnResource, context: ProvisionContext): Promise<ResolvedResource> {
  const { clients } = context;
  const properties = usedProperties(logicalId, resource, { used: QUEUE_PROPERTIES, ignored: IGNORED_QUEUE_PROPERTIES }, context);
  const queueName = typeof properties['QueueName'] === 'string' ? properties['QueueName'] : defaultQueueName(logicalId, properties);
  const created = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: queueAttributes(properties) }));
  const queueUrl = required(created.QueueUrl, `QueueUrl of ${queueName}`);
  const { Attributes: attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = required(attributes?.['QueueArn'], `QueueArn of ${queueName}`);
  return { ref: queueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl: queueUrl } };
}

/** CloudFormation names unnamed FIFO queues with the mandatory `.fifo` suffix too. */
function defaultQueueName(logicalId: string, properties: Record<string, unknown>): string {
  return properties['FifoQueue'] === true || properties['FifoQueue'] === 'true' ? `${logicalId}.fifo` : logicalId;
}

/** SQS takes every attribute as a string, and policies as JSON documents. */
function queueAttributes(properties: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (!QUEUE_ATTRIBUTES.has(name)) continue;
    attributes[name] = isRecord(value) ? JSON.stringify(value) : String(value);
  }
  return attributes;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the emulator returned no ${what}`);
  return value;
}
