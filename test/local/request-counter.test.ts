import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { type RequestCounter, startRequestCounter } from '../../infra/local/request-counter.ts';
import { localRegion } from '../../infra/local/template.ts';

/*
 * The counting proxies `npm run bench` puts between the functions and the emulators: what they
 * count per operation, the refusals, and the DynamoDB capacity units they price a case with.
 */
let counter: RequestCounter;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
const tableName = `request-counter-${Date.now()}`;

beforeAll(async () => {
  counter = await startRequestCounter(inject('localEmulators').endpoints);
  client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: counter.endpoints.dynamodb });
  documents = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    })
  );
  counter.reset();
});

afterAll(async () => {
  client?.destroy();
  await counter?.close();
});

describe('the request counter', () => {
  it('counts each operation, its refusals and the capacity units DynamoDB says it consumed, without changing the answers', async () => {
    // 3,000 bytes: three write units; a strongly consistent read of it: one read unit.
    await documents.send(new PutCommand({ TableName: tableName, Item: { pk: 'a', text: 'x'.repeat(3_000) } }));
    const { Item, ConsumedCapacity } = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: 'a' }, ConsistentRead: true })
    );
    expect(Item?.text).toHaveLength(3_000);
    // The function did not ask for it: the proxy did, and the answer carries it.
    expect(ConsumedCapacity).toMatchObject({ CapacityUnits: 1 });
    await expect(
      documents.send(new PutCommand({ TableName: tableName, Item: { pk: 'a' }, ConditionExpression: 'attribute_not_exists(pk)' }))
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: tableName, Item: { pk: 'b' } } }, { Put: { TableName: tableName, Item: { pk: 'c' } } }],
      })
    );
    await expect(
      documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { pk: 'b' }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { Put: { TableName: tableName, Item: { pk: 'd' } } },
          ],
        })
      )
    ).rejects.toMatchObject({ name: 'TransactionCanceledException' });

    const stats = counter.stats();
    expect(counter.counts()).toEqual({ 'dynamodb PutItem': 2, 'dynamodb GetItem': 1, 'dynamodb TransactWriteItems': 2 });
    expect(stats['dynamodb PutItem']).toMatchObject({
      writeUnits: 3,
      errors: { ConditionalCheckFailedException: 1 },
      refusedWriteUnits: 1,
    });
    expect(stats['dynamodb GetItem']).toMatchObject({ readUnits: 1, errors: {} });
    // Two small items in a transaction: two units each on AWS, which DynamoDB Local counts as one.
    expect(stats['dynamodb TransactWriteItems']).toMatchObject({
      writeUnits: 4,
      errors: { TransactionCanceledException: 1 },
      refusedWriteUnits: 4,
    });
    expect(stats['dynamodb GetItem']?.emulatorMs).toBeGreaterThan(0);
  });
});
