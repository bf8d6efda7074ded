import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The local KMS's ciphertext blob: self-describing like KMS's own, so Decrypt needs no key id.
 * Layout: version (1 byte), key id length (1 byte), key id (ASCII), IV (12), GCM tag (16),
 * ciphertext. The encryption context is the additional authenticated data, so a blob presented
 * with another context, or rewritten to name another key, fails authentication.
 */
const Version = 1;
const IvLength = 12;
const TagLength = 16;

export type EncryptionContext = Record<string, string>;

/** Who sealed a blob, read before the key is looked up. */
export interface SealedBlob {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function seal(keyId: string, material: Buffer, plaintext: Buffer, context: EncryptionContext): Buffer {
  const iv = randomBytes(IvLength);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(canonicalContext(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([Buffer.from([Version, id.length]), id, iv, cipher.getAuthTag(), ciphertext]);
}

/** Undefined when the blob is not one of ours (KMS answers InvalidCiphertextException then). */
export function parseBlob(blob: Buffer): SealedBlob | undefined {
  if (blob.length < 2 || blob[0] !== Version) return undefined;
  const idLength = blob[1] as number;
  const ivStart = 2 + idLength;
  const tagStart = ivStart + IvLength;
  const dataStart = tagStart + TagLength;
  if (blob.length < dataStart) return undefined;
  return {
    keyId: blob.subarray(2, ivStart).toString('ascii'),
    iv: blob.subarray(ivStart, tagStart),
    tag: blob.subarray(tagStart, dataStart),
    ciphertext: blob.subarray(dataStart),
  };
}

/** Undefined when authentication fails: another key's material, another context, a changed byte. */
export function open(sealed: SealedBlob, material: Buffer, context: EncryptionContext): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, sealed.iv);
    decipher.setAAD(canonicalContext(context));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The same pairs in any order are the same context, as for KMS. */
export function canonicalContext(context: EncryptionContext): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}
