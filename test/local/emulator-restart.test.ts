import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { queue, streamedTable } from './support/aws.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * Emulator restarts through the control URL, on a stack that starts its own emulators with a state
 * directory: each emulator is stopped for a while and comes back on the same port with what it held
 * (DynamoDB Local's data on disk with -dbPath, fauxqs's queues and messages in SQLite, the SES store
 * written at stop and read back, the KMS keys), and the stream mapping reads on after DynamoDB's.
 */
let stack: FixtureStack;
const clientConfig = () => ({ region: localRegion, credentials: localCredentials });
let documents: DynamoDBDocumentClient;
let sqs: SQSClient;

const restart = async (name: string) => {
  const response = await fetch(`${stack.controlUrl}/emulators/${name}/restart?downForMs=300`, { method: 'POST' });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { emulator: string; restartedInMs: number };
};
const effects = () =>
  stack
    .observations<{ type: string; id: string }>()
    .filter((line) => line.type === 'effect')
    .map((line) => line.id);

beforeAll(async () => {
  stack = await startFixtureStack(
    {
      resources: {
        Table: streamedTable(),
        Parked: queue(),
        Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [] } } },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: {
            FunctionName: { Ref: 'Consumer' },
            EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
            StartingPosition: 'TRIM_HORIZON',
          },
        },
      },
      functions: { Consumer: { code: 'batch.mjs' } },
    },
    // Its own emulators (not the shared ones), their state on disk.
    { emulators: undefined, stateDir: mkdtempSync(join(tmpdir(), 'trm-restart-state-')), fresh: true }
  );
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...clientConfig(), endpoint: stack.endpoints.dynamodb }));
  sqs = new SQSClient({ ...clientConfig(), endpoint: stack.endpoints.sqs });
}, 120_000);

afterAll(async () => {
  documents?.destroy();
  sqs?.destroy();
  await stack?.stop();
});

describe('an emulator restarted through the control URL', () => {
  it('DynamoDB Local keeps its items and its stream, and the mapping reads on', { timeout: 90_000 }, async () => {
    const table = stack.resources.Table!.ref;
    await documents.send(new PutCommand({ TableName: table, Item: { pk: 'before-restart' } }));
    await waitFor(() => effects().includes('before-restart'), { timeoutMs: 20_000, description: 'the first record consumed' });
    expect((await restart('dynamodb')).restartedInMs).toBeGreaterThanOrEqual(300);
    expect((await documents.send(new GetCommand({ TableName: table, Key: { pk: 'before-restart' } }))).Item).toEqual({
      pk: 'before-restart',
    });
    await documents.send(new PutCommand({ TableName: table, Item: { pk: 'after-restart' } }));
    await waitFor(() => effects().includes('after-restart'), { timeoutMs: 30_000, description: 'a record written after the restart' });
    expect(effects().filter((id) => id === 'before-restart')).toHaveLength(1);
  });

  it('fauxqs keeps its queues and their messages', { timeout: 60_000 }, async () => {
    const queueUrl = stack.resources.Parked!.ref;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept across the restart' }));
    await restart('sqs');
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(Messages.map((message) => message.Body)).toEqual(['kept across the restart']);
  });

  it('SES keeps every email it received, with its id', { timeout: 60_000 }, async () => {
    const ses = new SESClient({ ...clientConfig(), endpoint: stack.endpoints.ses });
    const sent = await ses.send(
      new SendEmailCommand({
        Source: 'noreply@trm.example.org',
        Destination: { ToAddresses: ['kept@trm.example.org'] },
        Message: { Subject: { Data: 'Kept across a restart' }, Body: { Text: { Data: 'Still here.' } } },
      })
    );
    ses.destroy();
    await restart('ses');
    const store = (await (await fetch(stack.inboxJsonUrl)).json()) as { emails: Array<{ messageId: string; subject: string }> };
    expect(store.emails.map((email) => [email.messageId, email.subject])).toEqual([[sent.MessageId, 'Kept across a restart']]);
  });

  it('the KMS keeps its keys: what was encrypted before decrypts after', { timeout: 60_000 }, async () => {
    const kms = new KMSClient({ ...clientConfig(), endpoint: stack.endpoints.kms });
    const keyId = stack.resources.Key!.ref;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('sealed') }));
    await restart('kms');
    const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
    kms.destroy();
    expect(Buffer.from(Plaintext!).toString()).toBe('sealed');
  });
});
