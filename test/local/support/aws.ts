import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { localCredentials } from '../../../infra/local/provision.ts';
import { type CfnResource, localRegion } from '../../../infra/local/template.ts';

const clientConfig = () => ({ region: localRegion, credentials: localCredentials });

export const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({ ...clientConfig(), endpoint: inject('localEmulators').endpoints.dynamodb })
);
export const sqs = new SQSClient({ ...clientConfig(), endpoint: inject('localEmulators').endpoints.sqs });

/** A table streaming NEW_AND_OLD_IMAGES, keyed by `pk`. */
export const streamedTable = (): CfnResource => ({
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
  },
});

export const queue = (properties: Record<string, unknown> = {}): CfnResource => ({ Type: 'AWS::SQS::Queue', Properties: properties });

/** Writes items one after another, so their stream records come in this order. */
export async function putItems(tableName: string, items: Array<Record<string, unknown>>): Promise<void> {
  for (const item of items) await documentClient.send(new PutCommand({ TableName: tableName, Item: { pk: item.id, ...item } }));
}

export async function updateItem(tableName: string, id: string, behaviour: string): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { pk: id },
      UpdateExpression: 'SET behaviour = :behaviour',
      ExpressionAttributeValues: { ':behaviour': behaviour },
    })
  );
}

/** Sends bodies as JSON, ten per request; `group` makes them FIFO messages of that group. */
export async function sendMessages(queueUrl: string, bodies: Array<Record<string, unknown> & { group?: string }>): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    const { Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map(({ group, ...body }, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(body),
          ...(group === undefined ? {} : { MessageGroupId: group, MessageDeduplicationId: String(body.id) }),
        })),
      })
    );
    if (Failed.length > 0) throw new Error(`could not send ${Failed.length} messages`);
  }
}

/** Receives what is visible in a queue now (for queues no mapping reads: DLQs, on-failure queues). */
export async function receiveAll(queueUrl: string): Promise<Array<{ body: string; receiveCount: number }>> {
  const messages: Array<{ body: string; receiveCount: number }> = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
      })
    );
    if (Messages.length === 0) return messages;
    messages.push(
      ...Messages.map((message) => ({ body: message.Body ?? '', receiveCount: Number(message.Attributes?.ApproximateReceiveCount) }))
    );
  }
}

export async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    })
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}
