import { expect } from 'vitest';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import type { Json } from './json.ts';

/**
 * A referral whose every personal value is distinctive enough that finding it anywhere (an email,
 * a queue message, a log line) can only mean it leaked there. Every name is invented.
 */
export const distinctiveReferral = (): Record<string, Json> => {
  const referral = tactReferral();
  return {
    ...referral,
    destinationLocality: 'Qafëmollë-Zhurravec',
    person: {
      ...referral.person,
      givenName: 'Xhevrije-Testemone',
      familyName: 'Bardhoshkaj-Nderluk',
      dateOfBirth: '1997-08-23',
      phone: '+355 68 731 9264',
    },
    victimStatus: { ...referral.victimStatus, identifiedBy: 'Brigadière Lemonnier-Caradec' },
  };
};

/** The personal values of a referral, with the other spellings a template or a log could give them. */
export const personalValuesOf = (referral: Record<string, Json>): string[] => {
  const { givenName, familyName, dateOfBirth, phone } = referral.person as Record<
    'givenName' | 'familyName' | 'dateOfBirth' | 'phone',
    string
  >;
  const [year, month, day] = dateOfBirth.split('-') as [string, string, string];
  return [
    givenName,
    familyName,
    `${givenName} ${familyName}`,
    `${familyName} ${givenName}`,
    dateOfBirth,
    `${day}/${month}/${year}`,
    `${day}.${month}.${year}`,
    phone,
    phone.replace(/\D/g, ''),
    referral.destinationLocality,
    referral.victimStatus.identifiedBy,
  ].filter((value): value is string => typeof value === 'string');
};

/** Fails naming the kind of value found, case-insensitively. */
export const expectNoPersonalValue = (where: string, text: string, values: readonly string[]): void => {
  const haystack = text.toLowerCase();
  const found = values.filter((value) => haystack.includes(value.toLowerCase()));
  expect(found, `personal values found in ${where}`).toEqual([]);
};

/** A test file's logs hold none of the sample referrals' personal values, nor the free text it sent. */
export const expectLogsFreeOfSamples = (text: string, freeText: readonly string[] = []): void => {
  for (const sample of [tactReferral(), careMinorReferral()]) {
    for (const value of [sample.person.givenName, sample.person.familyName, sample.person.dateOfBirth, sample.person.phone, ...freeText]) {
      if (value !== undefined) expect(text).not.toContain(value);
    }
  }
};
