import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { type LocalEndpoints, startEmulators } from '../../infra/local/emulators.ts';
import { localCredentials, provisionResources } from '../../infra/local/provision.ts';
import { type CfnTemplate, localRegion } from '../../infra/local/template.ts';

/*
 * `npm start` keeps DynamoDB on disk under .local/, so provisioning meets the tables of the last
 * run: it must accept them, keep their data, and bring them to what the template says now.
 */
const table = (properties: Record<string, unknown> = {}): CfnTemplate => ({
  Resources: {
    Cases: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...properties,
      },
    },
    Work: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 30 } },
  },
});

const withStatus = [
  { AttributeName: 'pk', AttributeType: 'S' },
  { AttributeName: 'status', AttributeType: 'S' },
];

const withEmulators = async <T>(dynamoDbPath: string, use: (endpoints: LocalEndpoints) => Promise<T>): Promise<T> => {
  const emulators = await startEmulators({ dynamoDbPath });
  try {
    return await use(emulators.endpoints);
  } finally {
    await emulators.stop();
  }
};

const clients = (endpoints: LocalEndpoints) => {
  const config = { region: localRegion, credentials: localCredentials };
  const dynamodb = new DynamoDBClient({ ...config, endpoint: endpoints.dynamodb });
  return { dynamodb, documents: DynamoDBDocumentClient.from(dynamodb), sqs: new SQSClient({ ...config, endpoint: endpoints.sqs }) };
};

describe('provisioning against the data of an earlier run', () => {
  it('keeps tables and their items, and adds the indexes, stream and TTL the template gained', async () => {
    const dynamoDbPath = mkdtempSync(join(tmpdir(), 'trm-provision-'));
    await withEmulators(dynamoDbPath, async (endpoints) => {
      await provisionResources(table(), endpoints);
      const { documents } = clients(endpoints);
      await documents.send(new PutCommand({ TableName: 'Cases', Item: { pk: 'CASE#1', status: 'submitted' } }));
    });

    const grown = table({
      AttributeDefinitions: withStatus,
      GlobalSecondaryIndexes: [
        { IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    await withEmulators(dynamoDbPath, async (endpoints) => {
      const resources = await provisionResources(grown, endpoints);
      // Twice in a row, as a reload in watch mode does.
      const again = await provisionResources(grown, endpoints);
      expect(again.Cases?.attributes.StreamArn).toBe(resources.Cases?.attributes.StreamArn);
      const { dynamodb, documents } = clients(endpoints);
      const { Item } = await documents.send(new GetCommand({ TableName: 'Cases', Key: { pk: 'CASE#1' } }));
      expect(Item).toEqual({ pk: 'CASE#1', status: 'submitted' });
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: 'Cases' }));
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byStatus']);
      expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(resources.Cases?.attributes.StreamArn).toBe(Table?.LatestStreamArn);
      const { TimeToLiveDescription } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: 'Cases' }));
      expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    });
  });

  it('refuses, in one line, a table whose key schema changed', async () => {
    const { endpoints } = inject('localEmulators');
    const namePrefix = `t${randomUUID().slice(0, 8)}-`;
    await provisionResources(table(), endpoints, { namePrefix });
    const rekeyed = table({
      AttributeDefinitions: withStatus,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'status', KeyType: 'RANGE' },
      ],
    });
    await expect(provisionResources(rekeyed, endpoints, { namePrefix })).rejects.toThrow(
      new RegExp(`^Resources\\.Cases: table ${namePrefix}Cases kept from an earlier run has another key schema; start with --fresh$`)
    );
  });

  it('updates a queue provisioned again with other attributes', async () => {
    const { endpoints } = inject('localEmulators');
    const namePrefix = `t${randomUUID().slice(0, 8)}-`;
    await provisionResources(table(), endpoints, { namePrefix });
    const changed = table();
    changed.Resources.Work!.Properties = { VisibilityTimeout: 90 };
    const resources = await provisionResources(changed, endpoints, { namePrefix });
    const { sqs } = clients(endpoints);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: resources.Work!.ref, AttributeNames: ['VisibilityTimeout'] })
    );
    expect(Attributes?.VisibilityTimeout).toBe('90');
  });
});
