import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { getClient, KMS, KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalKms } from '../../infra/local/kms.ts';
import { localCredentials, provisionResources } from '../../infra/local/provision.ts';
import { type CfnTemplate, localRegion, type ResourceContext } from '../../infra/local/template.ts';

/*
 * The local KMS (infra/local/kms.ts) on a fixture template with a key and an alias, through the
 * AWS SDK's KMS client and the AWS Encryption SDK's KMS keyring, as the functions will use it.
 */
const aliasName = `alias/test-${randomUUID().slice(0, 8)}`;
const template = (): CfnTemplate => ({
  Resources: {
    Secrets: { Type: 'AWS::KMS::Key', Properties: { Description: 'fixture key', EnableKeyRotation: true, KeyPolicy: {} } },
    SecretsAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: aliasName, TargetKeyId: { Ref: 'Secrets' } } },
    Other: { Type: 'AWS::KMS::Key', Properties: {} },
  },
});

const endpoint = inject('localEmulators').endpoints.kms;
const kmsClient = (at: string) => new KMSClient({ region: localRegion, credentials: localCredentials, endpoint: at });
const kms = kmsClient(endpoint);
const namePrefix = `t${randomUUID().slice(0, 8)}-`;
const context = { caseId: 'case-1', field: 'person' };
let resources: ResourceContext;
let keyArn: string;

beforeAll(async () => {
  resources = await provisionResources(template(), inject('localEmulators').endpoints, { namePrefix });
  keyArn = resources.Secrets?.attributes.Arn as string;
});

afterAll(() => kms.destroy());

describe('the template’s keys', () => {
  it('resolve to a key id and an ARN in the local account and region, and the alias to its name', async () => {
    expect(keyArn).toBe(`arn:aws:kms:eu-west-3:000000000000:key/${resources.Secrets?.ref}`);
    expect(resources.Secrets?.ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resources.SecretsAlias?.ref).toBe(aliasName);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: aliasName }));
    expect(KeyMetadata).toMatchObject({ Arn: keyArn, KeyId: resources.Secrets?.ref, Enabled: true, Description: 'fixture key' });
    expect(KeyMetadata).toMatchObject({ KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', KeyState: 'Enabled' });
  });

  it('are the same keys when provisioned again', async () => {
    const again = await provisionResources(template(), inject('localEmulators').endpoints, { namePrefix });
    expect(again.Secrets?.ref).toBe(resources.Secrets?.ref);
    expect(again.Other?.ref).not.toBe(resources.Secrets?.ref);
  });
});

describe('the AWS SDK’s KMS client', () => {
  it('decrypts a data key GenerateDataKey made, by key ARN, alias or from the blob alone', async () => {
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: aliasName, KeySpec: 'AES_256', EncryptionContext: context }));
    expect(generated.KeyId).toBe(keyArn);
    expect(generated.Plaintext).toHaveLength(32);
    for (const KeyId of [keyArn, aliasName, undefined]) {
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context, KeyId }));
      expect(Buffer.from(decrypted.Plaintext as Uint8Array)).toEqual(Buffer.from(generated.Plaintext as Uint8Array));
      expect(decrypted.KeyId).toBe(keyArn);
    }
  });

  it('treats the encryption context as a set of pairs, in any order', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('x'), EncryptionContext: context })
    );
    const reordered = { field: context.field, caseId: context.caseId };
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: reordered }));
    expect(Buffer.from(decrypted.Plaintext as Uint8Array).toString()).toBe('x');
  });

  it('refuses a blob under another encryption context, or none, with InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyArn, NumberOfBytes: 32, EncryptionContext: context })
    );
    for (const EncryptionContext of [{ ...context, caseId: 'case-2' }, { caseId: 'case-1' }, undefined]) {
      await expect(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext }))).rejects.toBeInstanceOf(InvalidCiphertextException);
    }
  });

  it('refuses a changed blob with InvalidCiphertextException, and another key named in the request with IncorrectKeyException', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('secret'), EncryptionContext: context })
    );
    const changed = Buffer.from(CiphertextBlob as Uint8Array);
    changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1;
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: changed, EncryptionContext: context }))).rejects.toBeInstanceOf(
      InvalidCiphertextException
    );
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a blob'), EncryptionContext: context }))
    ).rejects.toBeInstanceOf(InvalidCiphertextException);
    const otherKey = resources.Other?.attributes.Arn;
    await expect(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: otherKey }))).rejects.toBeInstanceOf(
      IncorrectKeyException
    );
  });

  it('re-encrypts under another key and context', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from('moved'), EncryptionContext: context })
    );
    const otherKey = resources.Other?.attributes.Arn as string;
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: context,
        DestinationKeyId: otherKey,
        DestinationEncryptionContext: { a: 'b' },
      })
    );
    expect(moved).toMatchObject({ SourceKeyId: keyArn, KeyId: otherKey });
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { a: 'b' } }));
    expect(Buffer.from(decrypted.Plaintext as Uint8Array).toString()).toBe('moved');
  });

  it('answers NotFoundException for a key or alias the template does not define', async () => {
    const unknownKey = keyArn.replace(/key\/.*$/, `key/${randomUUID()}`);
    for (const KeyId of [unknownKey, randomUUID(), 'alias/not-in-the-template', keyArn.replace('eu-west-3', 'us-east-1')]) {
      await expect(kms.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }))).rejects.toBeInstanceOf(NotFoundException);
    }
  });

  it('names an operation it does not serve, as an error the SDK reads', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ScheduleKeyDeletion' },
      body: JSON.stringify({ KeyId: keyArn }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toMatch(/does not serve TrentService\.ScheduleKeyDeletion; it serves .*GenerateDataKey/);
  });
});

describe('the AWS Encryption SDK with a KMS keyring', () => {
  const keyring = () =>
    new KmsKeyringNode({
      generatorKeyId: keyArn,
      clientProvider: getClient(KMS, { endpoint, credentials: localCredentials }),
    });
  const { encrypt } = buildEncrypt();
  const { decrypt } = buildDecrypt();

  it('decrypts what it encrypted, with the encryption context it was given', async () => {
    const { result } = await encrypt(keyring(), 'Jane Doe', { encryptionContext: context });
    expect(result.includes('Jane Doe')).toBe(false);
    const { plaintext, messageHeader } = await decrypt(keyring(), result);
    expect(plaintext.toString()).toBe('Jane Doe');
    expect(messageHeader.encryptionContext).toMatchObject(context);
  });

  it('cannot decrypt a message whose encryption context names another case: KMS refuses the data key', async () => {
    const { result } = await encrypt(keyring(), 'Jane Doe', { encryptionContext: context });
    // The context is in the message header; naming another case makes KMS see another context.
    const at = result.indexOf('case-1');
    expect(at).toBeGreaterThan(0);
    const moved = Buffer.concat([result.subarray(0, at), Buffer.from('case-2'), result.subarray(at + 'case-2'.length)]);
    await expect(decrypt(keyring(), moved)).rejects.toThrow(/InvalidCiphertextException/);
  });
});

describe('key material on disk', () => {
  it('survives a restart: what was encrypted before decrypts after, once the template’s key is provisioned again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trm-kms-'));
    const fixture: CfnTemplate = { Resources: { Secrets: { Type: 'AWS::KMS::Key', Properties: {} } } };
    const provisionOn = async (kmsEndpoint: string) => {
      const endpoints = { ...inject('localEmulators').endpoints, kms: kmsEndpoint };
      return (await provisionResources(fixture, endpoints)).Secrets?.attributes.Arn as string;
    };

    const first = await startLocalKms({ dir });
    const firstArn = await provisionOn(first.endpoint);
    const client = kmsClient(first.endpoint);
    const generated = await client.send(new GenerateDataKeyCommand({ KeyId: firstArn, KeySpec: 'AES_256', EncryptionContext: context }));
    client.destroy();
    await first.close();
    expect(readdirSync(dir)).toHaveLength(1);
    // The material file holds no key the client was handed.
    expect(readFileSync(join(dir, readdirSync(dir)[0] as string), 'utf8')).not.toContain(
      Buffer.from(generated.Plaintext as Uint8Array).toString('base64')
    );

    const second = await startLocalKms({ dir });
    const restarted = kmsClient(second.endpoint);
    try {
      // Until provisioning has run, the restarted KMS serves no key.
      await expect(
        restarted.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }))
      ).rejects.toBeInstanceOf(NotFoundException);
      expect(await provisionOn(second.endpoint)).toBe(firstArn);
      const decrypted = await restarted.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(decrypted.Plaintext as Uint8Array)).toEqual(Buffer.from(generated.Plaintext as Uint8Array));
    } finally {
      restarted.destroy();
      await second.close();
    }
  });
});
