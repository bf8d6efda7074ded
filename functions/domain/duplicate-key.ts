import { createHmac } from 'node:crypto';
import type { Person } from '#events/referral';

/**
 * Duplicate detection without an oracle: the key is an HMAC-SHA256, under a secret of the stage, of
 * the normalised name, date of birth and nationality. Without the secret nobody can test a guess
 * ("is this person in the system?") against a stored key, which a plain hash of such guessable
 * data would allow.
 *
 * Names are compared as a set of words, accents, case and punctuation removed, so "N'Diaye Aïssatou"
 * and "aissatou ndiaye" meet: referrers in different countries write names differently and swap
 * given and family names. Transliteration between scripts is not attempted.
 */
export const normalisedName = (givenName: string, familyName: string): string =>
  `${givenName} ${familyName}`
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .sort()
    .join(' ');

export const duplicateKey = (
  person: Pick<Person, 'givenName' | 'familyName' | 'dateOfBirth' | 'nationality'>,
  secret: Uint8Array
): string =>
  createHmac('sha256', secret)
    .update(JSON.stringify([normalisedName(person.givenName, person.familyName), person.dateOfBirth, person.nationality]))
    .digest('hex');
