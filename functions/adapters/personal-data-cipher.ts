import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import { KMS } from '@aws-sdk/client-kms';
import { requiredEnv } from '#commons/env';
import { tracer } from '#commons/powertools';
import type { PersonalDataCipher, PersonalField } from './personal-fields.ts';

/**
 * Field-level envelope encryption of personal data with the AWS Encryption SDK: each value is one
 * SDK message under a fresh data key that KMS generates under the personal-data key
 * (`PERSONAL_DATA_KEY_ARN`) and wraps, stored as base64 in the item. Only the node parts of the SDK
 * are imported (encrypt, decrypt, KMS keyring): the umbrella package also bundles a branch keystore
 * and more that nothing here uses. Only the entry files of the functions granted the key import
 * this module (infra/constructs/personal-data-key.ts), so no other bundle carries the SDK.
 *
 * Algorithm suite: AES-256-GCM with HKDF-SHA512 and key commitment, without an ECDSA signature.
 * Commitment means a message decrypts to one plaintext only, whatever key it is tried with. A
 * signature would prove the writer was not merely a reader, but every writer and reader here is a
 * function of this one stack holding the same grants (a reader may not write the table anyway),
 * so it would buy nothing and cost an ECDSA P-384 key pair per message, a 103-byte signature on
 * each field, and its CPU at every seal and open.
 */
type EncryptOptions = NonNullable<Parameters<ReturnType<typeof buildEncrypt>['encrypt']>[2]>;
type ClientOptions = Parameters<typeof buildEncrypt>[0];

/** `AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY` (0x0478). */
const committingUnsignedSuite = 0x0478 as NonNullable<EncryptOptions['suiteId']>;
const clientOptions = {
  commitmentPolicy: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT',
  // One KMS key wraps every data key: a message with more wrapped keys was not made here.
  maxEncryptedDataKeys: 1,
} as ClientOptions;
const { encrypt } = buildEncrypt(clientOptions);
const { decrypt } = buildDecrypt(clientOptions);

/** The encryption context of a value: which case and which field it belongs to. KMS binds it too. */
const contextOf = (caseId: string, field: PersonalField) => ({ purpose: 'trm-personal-data', caseId, field });

/** A ciphertext opened under another case or field than it was sealed for: it is refused, never returned. */
export class EncryptionContextMismatchError extends Error {
  override name = 'EncryptionContextMismatchError';
  constructor(field: string) {
    super(`a sealed ${field} value belongs to another case or field`);
  }
}

export class KmsPersonalDataCipher implements PersonalDataCipher {
  private readonly keyring: KmsKeyringNode;

  constructor(keyArn: string, kms: KMS = tracer.captureAWSv3Client(new KMS({}))) {
    this.keyring = new KmsKeyringNode({ generatorKeyId: keyArn, clientProvider: () => kms });
  }

  async seal(caseId: string, field: PersonalField, clear: string): Promise<string> {
    const { result } = await encrypt(this.keyring, clear, {
      suiteId: committingUnsignedSuite,
      encryptionContext: contextOf(caseId, field),
    });
    return result.toString('base64');
  }

  /**
   * The context travels inside the message, so KMS and the SDK open a ciphertext copied to another
   * case or field without complaint: this comparison is what ties a value to its place.
   */
  async open(caseId: string, field: PersonalField, sealed: string): Promise<string> {
    const { plaintext, messageHeader } = await decrypt(this.keyring, Buffer.from(sealed, 'base64'));
    const expected = contextOf(caseId, field);
    const found = messageHeader.encryptionContext;
    const matches =
      Object.keys(found).length === Object.keys(expected).length &&
      Object.entries(expected).every(([name, value]) => found[name] === value);
    if (!matches) throw new EncryptionContextMismatchError(field.split('#')[0] ?? field);
    return plaintext.toString('utf8');
  }
}

/** The cipher of a function granted the personal-data key, from its environment. */
export const personalDataCipherFromEnvironment = (kms?: KMS): KmsPersonalDataCipher =>
  new KmsPersonalDataCipher(requiredEnv('PERSONAL_DATA_KEY_ARN'), kms);
