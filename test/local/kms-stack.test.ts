import { randomUUID } from 'node:crypto';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * A function of a fixture template reaches the local KMS the way a deployed one reaches KMS: the
 * key's ARN from `Fn::GetAtt [Key, Arn]` in its environment, the service at AWS_ENDPOINT_URL_KMS.
 */
const aliasName = `alias/stack-${randomUUID().slice(0, 8)}`;
let stack: FixtureStack;
const kms = new KMSClient({ region: localRegion, credentials: localCredentials, endpoint: inject('localEmulators').endpoints.kms });

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: {
      PersonalData: { Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true, KeyPolicy: { Statement: [] } } },
      PersonalDataAlias: {
        Type: 'AWS::KMS::Alias',
        Properties: { AliasName: aliasName, TargetKeyId: { 'Fn::GetAtt': ['PersonalData', 'Arn'] } },
      },
    },
    functions: {
      Writer: {
        code: 'kms.mjs',
        environment: { KEY_ARN: { 'Fn::GetAtt': ['PersonalData', 'Arn'] }, KEY_ALIAS: { Ref: 'PersonalDataAlias' } },
      },
    },
  });
});

afterAll(async () => {
  kms.destroy();
  await stack?.stop();
});

describe('KMS in the local stack', () => {
  it('gives a function the key’s ARN and an endpoint where KMS makes data keys under it', async () => {
    const context = { caseId: 'case-7', field: 'notes' };
    const result = await stack.invoke('Writer', { context });
    expect(result.outcome).toBe('ok');
    const { status, body, keyArn, keyAlias } = result.payload as {
      status: number;
      body: { KeyId: string; CiphertextBlob: string; Plaintext: string };
      keyArn: string;
      keyAlias: string;
    };
    expect(status).toBe(200);
    expect(keyArn).toBe(stack.resources.PersonalData?.attributes.Arn);
    expect(keyArn).toMatch(/^arn:aws:kms:eu-west-3:000000000000:key\/[0-9a-f-]{36}$/);
    expect(keyAlias).toBe(aliasName);
    expect(body.KeyId).toBe(keyArn);
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(body.CiphertextBlob, 'base64'), EncryptionContext: context })
    );
    expect(Buffer.from(decrypted.Plaintext as Uint8Array).toString('base64')).toBe(body.Plaintext);
  });

  it('lists the keys and their aliases at the control endpoint, and no key material', async () => {
    const description = (await (await fetch(stack.controlUrl)).json()) as { kmsKeys: unknown[] };
    expect(description.kmsKeys).toEqual([
      {
        logicalId: 'PersonalData',
        keyId: stack.resources.PersonalData?.ref,
        arn: stack.resources.PersonalData?.attributes.Arn,
        aliases: [aliasName],
      },
    ]);
  });
});
