import { randomUUID } from 'node:crypto';
import { getLocalCryptographicMaterialsCache, NodeCachingMaterialsManager } from '@aws-crypto/caching-materials-manager-node';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import { KMS } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { EncryptionContextMismatchError, KmsPersonalDataCipher } from '../../functions/adapters/personal-data-cipher.ts';

/*
 * The cipher against the local KMS (infra/local/kms.ts) with the template's personal-data key:
 * values open where they were sealed and nowhere else, and what a case's life costs in KMS
 * requests with and without the Encryption SDK's caching materials manager.
 */
const keyArn = process.env.PERSONAL_DATA_KEY_ARN!;

/** A KMS client that counts the requests it sends, by operation. */
const countingKms = () => {
  const kms = new KMS({});
  const counts: Record<string, number> = {};
  kms.middlewareStack.add(
    (next, context) => (args) => {
      counts[context.commandName ?? '?'] = (counts[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' }
  );
  return { kms, counts };
};

describe('the personal-data cipher', () => {
  it('opens a value where it was sealed, and refuses it copied to another case or another field', async () => {
    const cipher = new KmsPersonalDataCipher(keyArn);
    const [caseId, otherCase] = [randomUUID(), randomUUID()];
    const sealed = await cipher.seal(caseId, 'case.person', '{"givenName":"Marker-Qendresa"}');

    expect(sealed).not.toContain('Marker-Qendresa');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('Marker-Qendresa');
    expect(await cipher.open(caseId, 'case.person', sealed)).toBe('{"givenName":"Marker-Qendresa"}');
    await expect(cipher.open(otherCase, 'case.person', sealed)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    await expect(cipher.open(caseId, 'case.victimStatus.identifiedBy', sealed)).rejects.toBeInstanceOf(EncryptionContextMismatchError);
    await expect(cipher.open(caseId, 'note.text#other-note', await cipher.seal(caseId, 'note.text#a-note', 'x'))).rejects.toBeInstanceOf(
      EncryptionContextMismatchError
    );
  });

  it('refuses a sealed value whose bytes were altered', async () => {
    const cipher = new KmsPersonalDataCipher(keyArn);
    const caseId = randomUUID();
    const bytes = Buffer.from(await cipher.seal(caseId, 'case.person', 'some value'), 'base64');
    bytes[bytes.length - 40]! ^= 0x01;
    await expect(cipher.open(caseId, 'case.person', bytes.toString('base64'))).rejects.toThrow();
  });

  it('uses the committing suite without a signature: one wrapped data key, no signing key in the context', async () => {
    const { decrypt } = buildDecrypt('REQUIRE_ENCRYPT_REQUIRE_DECRYPT' as never);
    const cipher = new KmsPersonalDataCipher(keyArn);
    const caseId = randomUUID();
    const sealed = await cipher.seal(caseId, 'case.person', 'value');
    const { messageHeader } = await decrypt(new KmsKeyringNode({ generatorKeyId: keyArn }), Buffer.from(sealed, 'base64'));
    expect(messageHeader.suiteId).toBe(0x0478);
    expect(messageHeader.encryptedDataKeys).toHaveLength(1);
    expect(messageHeader.encryptedDataKeys[0]!.providerInfo).toBe(keyArn);
    // A signed suite would put its public key here.
    expect(messageHeader.encryptionContext).toEqual({ purpose: 'trm-personal-data', caseId, field: 'case.person' });
  });

  /*
   * The measurement the caching decision rests on. One case's life in the e2e path (TACT, a
   * payment) seals 15 values: the person, who identified them, 8 notes (accept, two drafts, return,
   * approval, three visits), the payee's name and account, the purpose, 2 step notes. Each has a
   * context of its own (case and field), and the caching manager keys encryption materials by the
   * context, so it cannot share a data key between them: caching saves no GenerateDataKey. It does
   * save the Decrypt of a value opened again by the same warm function.
   */
  it('costs one GenerateDataKey per value sealed with or without caching, and one Decrypt per value opened unless cached', async () => {
    const sealedValues = 15;
    const opensOfEach = 4;
    const clientOptions = { commitmentPolicy: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT', maxEncryptedDataKeys: 1 } as never;
    const { encrypt } = buildEncrypt(clientOptions);
    const { decrypt } = buildDecrypt(clientOptions);
    const figures: Record<string, unknown> = {};

    for (const caching of [false, true]) {
      const { kms, counts } = countingKms();
      const keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms });
      const materials = caching
        ? new NodeCachingMaterialsManager({
            backingMaterials: keyring,
            cache: getLocalCryptographicMaterialsCache(100),
            maxAge: 5 * 60_000,
            maxMessagesEncrypted: 100,
          })
        : keyring;
      const caseId = randomUUID();
      const started = performance.now();
      const sealed = [];
      for (let index = 0; index < sealedValues; index += 1) {
        const encryptionContext = { purpose: 'trm-personal-data', caseId, field: `note.text#${index}` };
        sealed.push((await encrypt(materials, `value ${index}`, { suiteId: 0x0478 as never, encryptionContext })).result);
      }
      const sealMs = performance.now() - started;
      for (let round = 0; round < opensOfEach; round += 1) {
        for (const message of sealed) await decrypt(materials, message);
      }
      const openMs = performance.now() - started - sealMs;
      expect(counts.GenerateDataKeyCommand).toBe(sealedValues);
      expect(counts.DecryptCommand).toBe(caching ? sealedValues : sealedValues * opensOfEach);
      figures[caching ? 'cached' : 'uncached'] = {
        requests: counts,
        msPerSeal: Math.round((sealMs / sealedValues) * 10) / 10,
        msPerOpen: Math.round((openMs / (sealedValues * opensOfEach)) * 10) / 10,
      };
    }
    // The figures are the measurement this test exists for.
    console.info('KMS requests and latency per case lifecycle (local KMS)', JSON.stringify(figures));
  });
});
