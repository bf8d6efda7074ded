import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { maxCursorLength } from '#events/page-cursor';
import type { StageSecrets } from './stage-secret.ts';

/**
 * Opaque pagination cursors, made and opened by the repositories only: the last key of a page,
 * sealed with AES-256-GCM under the stage secret named `cursor` (functions/adapters/stage-secret.ts).
 * The additional authenticated data binds the cursor to the list it came from (which list, for whom,
 * with which filters), so a cursor made for one partner, one filter or one case opens nowhere else,
 * and a truncated or altered one does not open at all. Anything that does not open, or opens to a key
 * that does not fit the list, is an `InvalidCursorError` (a 400 naming `query.cursor` at the HTTP
 * boundary, functions/commons/http.ts), never a DynamoDB error.
 *
 * Why sealed and not a MAC over the plain key: both stop forgery, which is what stops the 500s and
 * the foreign partitions. What a key holds is no secret from the caller it is bound to: the id and
 * creation time of the last case or payment DynamoDB evaluated, always in the caller's own listing
 * (its partner id, a status, or every case for coordinators and finance; see listIndexOf in
 * case-items.ts and paymentKey in payment-items.ts), so never another partner's case. With a status
 * filter on a partner's own cases that last case may be one the filter left out of the page, which
 * the caller may read anyway. What a plain key would give away is the table's layout: key and
 * attribute names, the `CASE#` and `PAYMENT#` prefixes, index partitions. Encrypting keeps that out
 * of the partner contract, so clients cannot build or depend on cursors and the layout can change
 * without breaking them; GCM authenticates at no extra cost.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('the cursor does not belong to this list');
  }
}

/** The stage secret the cursors are sealed with (a 32-byte AES-256 key). */
export const cursorSecretName = 'cursor';

/**
 * What a cursor is bound to: the list (`referrals as referrer`, `payments of case <id>`), the caller
 * (its partner id) and the filters that shape the list (the page size does not: a client may change it
 * between pages).
 */
export interface CursorBinding {
  list: string;
  caller: string;
  filters?: Record<string, string | undefined>;
}

/**
 * What the opened key must look like: its attribute names (the table's `pk` and `sk` among them, as in
 * every key a query of the table or its indexes returns), its partition, and whatever else the list
 * requires of its table key.
 */
export interface ExpectedKey {
  keyNames: readonly string[];
  partition: { name: string; value: string };
  fits: (key: { pk: string; sk: string }) => boolean;
}

/** Changing the layout below means a new version byte; cursors of another version do not open. */
const version = 1;
const ivBytes = 12;
const tagBytes = 16;
const algorithm = 'aes-256-gcm';

export class PageCursors {
  constructor(private readonly secrets: StageSecrets) {}

  async seal(key: Record<string, unknown>, binding: CursorBinding): Promise<string> {
    const secret = await this.secrets.get(cursorSecretName);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv(algorithm, secret, iv, { authTagLength: tagBytes });
    cipher.setAAD(additionalData(binding));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(key), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(version), iv, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The key a cursor holds, when it was sealed for this binding and fits the list; an InvalidCursorError otherwise. */
  async open(cursor: string, binding: CursorBinding, expected: ExpectedKey): Promise<Record<string, string>> {
    // Bounded and shaped before any decoding: the query schemas say the same, this holds for any caller.
    if (cursor.length > maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length <= 1 + ivBytes + tagBytes || bytes[0] !== version) throw new InvalidCursorError();
    const secret = await this.secrets.get(cursorSecretName);
    const key = parsed(decrypted(bytes, secret, additionalData(binding)));
    if (!fitsList(key, expected)) throw new InvalidCursorError();
    return key;
  }
}

const decrypted = (bytes: Buffer, secret: Uint8Array, aad: Buffer): string => {
  const iv = bytes.subarray(1, 1 + ivBytes);
  const tag = bytes.subarray(bytes.length - tagBytes);
  const sealed = bytes.subarray(1 + ivBytes, bytes.length - tagBytes);
  try {
    const decipher = createDecipheriv(algorithm, secret, iv, { authTagLength: tagBytes });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
  } catch {
    throw new InvalidCursorError();
  }
};

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidCursorError();
  }
};

/** Defence in depth: even a cursor that opens must hold a key of this list, with no empty value. */
const fitsList = (key: unknown, expected: ExpectedKey): key is Record<string, string> => {
  if (key === null || typeof key !== 'object' || Array.isArray(key)) return false;
  const values = key as Record<string, unknown>;
  const { pk, sk } = values;
  return (
    Object.keys(values).length === expected.keyNames.length &&
    expected.keyNames.every((name) => typeof values[name] === 'string' && values[name] !== '') &&
    values[expected.partition.name] === expected.partition.value &&
    typeof pk === 'string' &&
    typeof sk === 'string' &&
    expected.fits({ pk, sk })
  );
};

/** The binding in one canonical form: the version, then each part in a fixed order, filters sorted and absent ones left out. */
const additionalData = (binding: CursorBinding): Buffer => {
  const filters = Object.entries(binding.filters ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
  return Buffer.from(JSON.stringify([version, binding.list, binding.caller, filters]), 'utf8');
};
