import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type StreamViewType,
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

interface ProvisionContext extends StackOptions {
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

/**
 * Types that only matter once deployed (permissions, observability, encryption, fan-out to
 * humans) or that the later local stack wires itself (functions, API, event sources).
 * A type neither here nor in RULES is a new kind of resource someone must decide about.
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
  'AWS::Events::Rule',
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

const RULES: Record<string, ResourceRule> = {
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
    used: new Set([...QUEUE_ATTRIBUTES, 'QueueName']),
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
  options: StackOptions = {},
): Promise<ResourceContext> {
  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const context: ProvisionContext = {
    ctx: {},
    endpoints,
    stackName: options.stackName,
    dynamodb: new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb }),
    sqs: new SQSClient({ ...clientConfig, endpoint: endpoints.sqs }),
  };
  try {
    for (const logicalId of provisioningOrder(template)) {
      const resource = template.Resources[logicalId] as CfnResource;
      const rule = RULES[resource.Type] as ResourceRule;
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
  options: StackOptions = {},
): Record<string, string> {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`Resources.${logicalId} is not an AWS::Lambda::Function`);
  }
  const environment = resource.Properties?.['Environment'];
  const variables = isRecord(environment) && isRecord(environment['Variables']) ? environment['Variables'] : {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      const path = `Resources.${logicalId}.Properties.Environment.Variables.${name}`;
      assertLocallyAvailable(value, path, template, ctx);
      return [name, resolveString(value, ctx, { path, stackName: options.stackName })];
    }),
  );
}

function assertLocallyAvailable(
  value: unknown,
  path: string,
  template: CfnTemplate,
  ctx: ResourceContext,
): void {
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
  if (resource.Type in RULES) return true;
  if (SKIPPED_TYPES.has(resource.Type)) return false;
  throw new Error(`Resources.${logicalId}: type ${resource.Type} has no local provisioning rule`);
}

function dependenciesOf(resource: CfnResource): string[] {
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  return [...dependsOn, ...referencedLogicalIds(resource.Properties ?? {})];
}

function usedProperties(
  logicalId: string,
  resource: CfnResource,
  rule: ResourceRule,
  { ctx, stackName }: ProvisionContext,
): Properties {
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
  { dynamodb }: ProvisionContext,
): Promise<ResolvedResource> {
  const tableName = typeof properties['TableName'] === 'string' ? properties['TableName'] : logicalId;
  await dynamodb.send(new CreateTableCommand(createTableInput(tableName, properties)));
  const ttl = properties['TimeToLiveSpecification'] as { AttributeName: string; Enabled: boolean } | undefined;
  if (ttl?.Enabled === true) {
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  const attributes: Record<string, string> = { Arn: required(table?.TableArn, `TableArn of ${tableName}`) };
  if (table?.LatestStreamArn !== undefined) attributes['StreamArn'] = table.LatestStreamArn;
  return { ref: tableName, attributes };
}

type Index = Pick<GlobalSecondaryIndex, 'IndexName' | 'KeySchema' | 'Projection'>;

/** Every table is on-demand locally: capacity is not emulated, and it keeps indexes simple. */
function createTableInput(tableName: string, properties: Properties): CreateTableCommandInput {
  const stream = properties['StreamSpecification'] as { StreamViewType?: StreamViewType } | undefined;
  // Per-index capacity and insights settings would clash with on-demand billing.
  const indexInput = ({ IndexName, KeySchema, Projection }: Index): Index => ({
    IndexName,
    KeySchema,
    Projection,
  });
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: properties['KeySchema'] as CreateTableCommandInput['KeySchema'],
    AttributeDefinitions: properties['AttributeDefinitions'] as CreateTableCommandInput['AttributeDefinitions'],
    GlobalSecondaryIndexes: (properties['GlobalSecondaryIndexes'] as Index[] | undefined)?.map(indexInput),
    LocalSecondaryIndexes: (properties['LocalSecondaryIndexes'] as Index[] | undefined)?.map(indexInput),
    StreamSpecification:
      stream?.StreamViewType === undefined
        ? undefined
        : { StreamEnabled: true, StreamViewType: stream.StreamViewType },
  };
}

async function provisionQueue(
  logicalId: string,
  properties: Properties,
  { sqs, endpoints }: ProvisionContext,
): Promise<ResolvedResource> {
  const { QueueName: name } = properties;
  const queueName = typeof name === 'string' ? name : defaultQueueName(logicalId, properties);
  const created = await sqs.send(
    new CreateQueueCommand({ QueueName: queueName, Attributes: queueAttributes(properties) }),
  );
  const queueUrl = onEndpointOrigin(required(created.QueueUrl, `QueueUrl of ${queueName}`), endpoints.sqs);
  const { Attributes: attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = required(attributes?.['QueueArn'], `QueueArn of ${queueName}`);
  return { ref: queueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl: queueUrl } };
}

/** CloudFormation gives unnamed FIFO queues the mandatory `.fifo` suffix too. */
function defaultQueueName(logicalId: string, properties: Properties): string {
  const fifo = properties['FifoQueue'] === true || properties['FifoQueue'] === 'true';
  return fifo ? `${logicalId}.fifo` : logicalId;
}

/** SQS takes every attribute as a string, and policies as JSON documents. */
function queueAttributes(properties: Properties): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (!QUEUE_ATTRIBUTES.has(name)) continue;
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
