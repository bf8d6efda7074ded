import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * The Encryption SDK is bundled only into the functions granted the personal-data key: only their
 * entry files import the cipher (functions/adapters/personal-data-cipher.ts), every other module
 * knows the interfaces of functions/adapters/personal-fields.ts only. The list is the same as the
 * grants in infra/stack.ts and infra/constructs/case-lifecycle.ts (test/infra/personal-data-key.test.ts).
 */
const entriesHoldingTheKey = [
  'accept-referral',
  'approve-payment',
  'approve-plan',
  'attach-document',
  'cancel-payment',
  'close-referral',
  'create-referral',
  'decide-referral',
  'decline-referral',
  'deliver-webhook',
  'draft-plan',
  'erase-referral',
  'get-document',
  'get-payment',
  'get-referral',
  'get-transfer-instructions',
  'list-documents',
  'list-payments',
  'reassign-referral',
  'record-disbursement',
  'record-visit',
  'register-webhook',
  'reject-payment',
  'reopen-referral',
  'request-payment',
  'return-plan',
  'rotate-webhook-secret',
  'withdraw-referral',
];

const root = new URL('../../functions/', import.meta.url);
const sourcesUnder = (directory: string): string[] =>
  readdirSync(new URL(directory, root), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${directory}${name}`);
const importsCipher = (path: string): boolean => {
  const source = readFileSync(new URL(path, root), 'utf8');
  return /from '(#adapters\/|\.\/)personal-data-cipher(\.ts)?'/.test(source) || /@aws-crypto\//.test(source);
};

describe('where the Encryption SDK is imported', () => {
  it('is imported by the entry files of the functions granted the key, and by no other entry file', () => {
    const entries = readdirSync(root).filter((name) => name.endsWith('.ts'));
    expect(
      entries
        .filter((name) => importsCipher(name))
        .map((name) => name.replace(/\.ts$/, ''))
        .sort()
    ).toEqual(entriesHoldingTheKey);
  });

  it('is imported by no shared module but the cipher itself', () => {
    const shared = ['adapters/', 'commons/', 'domain/'].flatMap(sourcesUnder);
    expect(shared.filter((path) => importsCipher(path) && path !== 'adapters/personal-data-cipher.ts')).toEqual([]);
  });
});
