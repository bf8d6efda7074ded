import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceNotFoundException,
  type StreamViewType,
  type TableDescription,
  UpdateTableCommand,
  type UpdateTableCommandInput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type Properties, type ProvisionContext, type ResourceRule, required } from './provision-context.ts';
import type { ResolvedResource } from './template.ts';

/** DynamoDB tables, created in DynamoDB Local or brought to the template's shape when kept from a run before. */
export const tableRule: ResourceRule = {
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
};

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
