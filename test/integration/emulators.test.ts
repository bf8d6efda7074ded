import { readFileSync } from 'node:fs';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type CfnResource, type CfnTemplate, referencedLogicalIds, resolveString } from '../../infra/local/template.ts';
import { captureLogs, functionEnvironment, resource, resourceName, waitFor } from '../support/harness.ts';

/*
 * Proves the harness against the synthesized template itself: every table and queue it declares
 * must exist in the emulators as declared, so a resource skipped by provisioning fails here.
 * Clients are built without endpoints on purpose: they must reach the emulators through the
 * environment the setup file exported, like the handlers' clients do. The exception inspects
 * queues by name: fauxqs's GetQueueUrl answers with URLs on an unresolvable host, which only an
 * explicit endpoint makes the SDK ignore.
 */
const template = JSON.parse(readFileSync(inject('templatePath'), 'utf8')) as CfnTemplate;
const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});
const sqsInspector = new SQSClient({ endpoint: inject('endpoints').sqs });
const ses = new SESClient({});
const kms = new KMSClient({});

afterAll(() => {
  for (const client of [dynamodb, sqs, sqsInspector, ses, kms]) client.destroy();
});

const resourcesOfType = (type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

const property = (resource: CfnResource, name: string): unknown => resource.Properties?.[name];

/** The physical name CloudFormation would give the resource when the template sets none. */
function expectedName(logicalId: string, nameProperty: string): string {
  const resource = template.Resources[logicalId] as CfnResource;
  const name = property(resource, nameProperty);
  if (name !== undefined) return resolveString(name, {});
  return property(resource, 'FifoQueue') === true ? `${logicalId}.fifo` : logicalId;
}

async function queueAttributes(logicalId: string): Promise<Record<string, string>> {
  const { QueueUrl } = await sqsInspector.send(new GetQueueUrlCommand({ QueueName: expectedName(logicalId, 'QueueName') }));
  const { Attributes } = await sqsInspector.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
  return Attributes ?? {};
}

const tables = resourcesOfType('AWS::DynamoDB::Table');
const queues = resourcesOfType('AWS::SQS::Queue');

describe('tables', () => {
  it('exist for every AWS::DynamoDB::Table of the template', async () => {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).toEqual(expect.arrayContaining(tables.map(([id]) => expectedName(id, 'TableName'))));
  });

  it.each(tables)('%s has the key schema, indexes and stream of the template', async (logicalId, resource) => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: expectedName(logicalId, 'TableName') }));
    expect(Table?.KeySchema).toEqual(property(resource, 'KeySchema'));
    const indexNames = (indexes: unknown) => ((indexes ?? []) as { IndexName?: string }[]).map((index) => index.IndexName).sort();
    expect(indexNames(Table?.GlobalSecondaryIndexes)).toEqual(indexNames(property(resource, 'GlobalSecondaryIndexes')));
    const stream = property(resource, 'StreamSpecification') as { StreamViewType: string } | undefined;
    const expectedStream = stream && { StreamEnabled: true, StreamViewType: stream.StreamViewType };
    expect(Table?.StreamSpecification).toEqual(expectedStream);
    expect(Table?.LatestStreamArn !== undefined).toBe(stream !== undefined);
  });

  it.each(tables)('%s has time to live where the template says', async (logicalId, resource) => {
    const { TimeToLiveDescription } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: expectedName(logicalId, 'TableName') })
    );
    const ttl = property(resource, 'TimeToLiveSpecification') as { AttributeName: string; Enabled: boolean } | undefined;
    if (ttl?.Enabled === true) {
      expect(TimeToLiveDescription).toMatchObject({ AttributeName: ttl.AttributeName, TimeToLiveStatus: 'ENABLED' });
    } else {
      expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    }
  });
});

describe('queues', () => {
  it.each(queues)('%s exists with the FIFO setting and visibility timeout of the template', async (logicalId, resource) => {
    const attributes = await queueAttributes(logicalId);
    expect(attributes.FifoQueue ?? 'false').toBe(String(property(resource, 'FifoQueue') ?? false));
    const visibilityTimeout = property(resource, 'VisibilityTimeout');
    if (visibilityTimeout !== undefined) expect(attributes.VisibilityTimeout).toBe(String(visibilityTimeout));
  });

  const redriven = queues.filter(([, resource]) => property(resource, 'RedrivePolicy') !== undefined);

  it.each(redriven)('%s sends poison messages to its dead-letter queue', async (logicalId, resource) => {
    const redrivePolicy = property(resource, 'RedrivePolicy') as { maxReceiveCount: number };
    const [deadLetterId] = referencedLogicalIds(redrivePolicy) as Set<string>;
    const deadLetter = await queueAttributes(deadLetterId as string);
    const attributes = await queueAttributes(logicalId);
    expect(JSON.parse(attributes.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: deadLetter.QueueArn,
      maxReceiveCount: redrivePolicy.maxReceiveCount,
    });
    expect(deadLetter.FifoQueue).toBe(attributes.FifoQueue);
  });
});

describe('KMS keys', () => {
  it('exist for every AWS::KMS::Key and alias of the template, and make data keys through the environment-configured client', async () => {
    const keys = resourcesOfType('AWS::KMS::Key');
    expect(keys.length).toBeGreaterThan(0);
    for (const [id] of keys) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: resource(id).attributes.Arn }));
      expect(KeyMetadata?.KeyId).toBe(resource(id).ref);
    }
    for (const [id, alias] of resourcesOfType('AWS::KMS::Alias')) {
      const [target] = [...referencedLogicalIds(property(alias, 'TargetKeyId'))];
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: resource(id).ref }));
      expect(KeyMetadata?.KeyId).toBe(resource(target as string).ref);
    }
    const [[keyId]] = keys as [[string, CfnResource]];
    const EncryptionContext = { check: 'harness' };
    const generated = await kms.send(
      new GenerateDataKeyCommand({ KeyId: resource(keyId).attributes.Arn, KeySpec: 'AES_256', EncryptionContext })
    );
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext }));
    expect(decrypted.Plaintext).toEqual(generated.Plaintext);
  });
});

describe('harness', () => {
  const functionIds = resourcesOfType('AWS::Lambda::Function').map(([id]) => id);

  it('resolves the environment of every function', () => {
    expect(Object.keys(inject('functionEnvironments')).sort()).toEqual([...functionIds].sort());
    for (const id of functionIds) expect(functionEnvironment(id)).toBeTypeOf('object');
  });

  it('names provisioned tables and queues by logical id prefix', () => {
    for (const [id] of tables) expect(resourceName(id)).toBe(expectedName(id, 'TableName'));
    for (const [id] of queues) expect(resourceName(id)).toBe(expectedName(id, 'QueueName'));
  });

  it('reaches every provisioned queue URL through the environment-configured client', async () => {
    for (const [id] of queues) {
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: resource(id).ref, AttributeNames: ['QueueArn'] }));
      expect(Attributes?.QueueArn).toBe(resource(id).attributes.Arn);
    }
  });

  it('delivers email sent through the environment-configured client to the inbox', async () => {
    const subject = `harness check ${Date.now()}`;
    await ses.send(
      new SendEmailCommand({
        Source: 'sender@example.org',
        Destination: { ToAddresses: ['receiver@example.org'] },
        Message: { Subject: { Data: subject }, Body: { Text: { Data: 'hello' } } },
      })
    );
    const email = await waitFor(
      async () => {
        const inbox = (await (await fetch(inject('inboxUrl'))).json()) as { emails: { subject: string }[] };
        return inbox.emails.find((candidate) => candidate.subject === subject);
      },
      { timeoutMs: 5_000, description: 'the email in the SES inbox' }
    );
    expect(email.subject).toBe(subject);
  });

  it('times out waitFor with the last error', async () => {
    const failing = waitFor(
      () => {
        throw new Error('not yet');
      },
      { timeoutMs: 200, intervalMs: 50, description: 'the impossible' }
    );
    await expect(failing).rejects.toThrow('waitFor timed out after 200ms waiting for the impossible; last error: not yet');
  });

  it('captures what is written to the process streams and the console', () => {
    const logs = captureLogs();
    process.stdout.write('stream line\n');
    console.info('console line');
    logs.stop();
    process.stdout.write('after stop\n');
    expect(logs.text()).toContain('stream line');
    expect(logs.text()).toContain('console line');
    expect(logs.text()).not.toContain('after stop');
  });
});
