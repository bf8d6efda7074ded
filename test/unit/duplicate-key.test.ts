import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { duplicateKey, normalisedName } from '../../functions/domain/duplicate-key.ts';

const secret = randomBytes(32);
const person = { givenName: 'Aïssatou', familyName: "N'Diaye", dateOfBirth: '1998-02-14', nationality: 'SN' };

describe('duplicate key', () => {
  it('meets the same person written differently: accents, case, punctuation, spacing, name order', () => {
    const key = duplicateKey(person, secret);
    expect(duplicateKey({ ...person, givenName: 'AISSATOU', familyName: 'ndiaye' }, secret)).toBe(key);
    expect(duplicateKey({ ...person, givenName: "N'Diaye", familyName: '  Aïssatou ' }, secret)).toBe(key);
    expect(normalisedName('Marie-Claire', 'Dupont')).toBe(normalisedName('Marie Claire', 'DUPONT'));
  });

  it('tells apart another date of birth, nationality or name', () => {
    const key = duplicateKey(person, secret);
    expect(duplicateKey({ ...person, dateOfBirth: '1998-02-15' }, secret)).not.toBe(key);
    expect(duplicateKey({ ...person, nationality: 'GN' }, secret)).not.toBe(key);
    expect(duplicateKey({ ...person, givenName: 'Awa' }, secret)).not.toBe(key);
  });

  it('is keyed: another secret gives another key, and it is not a plain hash of the same data', () => {
    const key = duplicateKey(person, secret);
    expect(duplicateKey(person, randomBytes(32))).not.toBe(key);
    const unkeyed = createHash('sha256')
      .update(JSON.stringify([normalisedName(person.givenName, person.familyName), person.dateOfBirth, person.nationality]))
      .digest('hex');
    expect(key).not.toBe(unkeyed);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toContain('aissatou');
  });
});
