import { describe, expect, it } from 'vitest';
import { ageOn } from '../../events/dates.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { fieldErrors } from '../../functions/commons/schema-errors.ts';
import { formatReference, newCaseFromReferral, referralSummary } from '../../functions/domain/referral-case.ts';

const errorsOf = (body: unknown) => {
  const result = referralRequestSchema.safeParse(body);
  return result.success ? [] : fieldErrors(result.error.issues, body);
};

const isoDaysFromToday = (days: number): string => {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
};

const yearsAgoPlusDays = (years: number, days: number): string => {
  const day = new Date();
  day.setUTCFullYear(day.getUTCFullYear() - years);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
};

describe('the referral contract', () => {
  it('accepts the API samples (events/samples/referral-*.json), an adult and a minor with the minor block', () => {
    expect(errorsOf(tactReferral())).toEqual([]);
    expect(errorsOf(careMinorReferral())).toEqual([]);
  });

  it('names an unknown field by its path', () => {
    const body = tactReferral();
    body.person.nickname = 'x';
    body.favouriteColour = 'blue';
    expect(errorsOf(body)).toEqual(
      expect.arrayContaining([
        { path: 'person.nickname', message: 'is not a known field' },
        { path: 'favouriteColour', message: 'is not a known field' },
      ])
    );
  });

  it.each([
    ['hostCountry', 'XX'],
    ['hostCountry', 'fr'],
    ['originCountry', 'ALB'],
  ])('refuses %s = %s as a country', (field, value) => {
    const body = { ...tactReferral(), [field]: value };
    expect(errorsOf(body)).toEqual([{ path: field, message: 'must be an ISO 3166-1 alpha-2 country code, e.g. FR' }]);
  });

  it.each(['2001-02-29', '2001-13-01', '17/05/2001', '2001-5-17'])('refuses %s as a date of birth', (value) => {
    const body = tactReferral();
    body.person.dateOfBirth = value;
    expect(errorsOf(body)).toEqual([{ path: 'person.dateOfBirth', message: 'must be a calendar date as YYYY-MM-DD' }]);
  });

  it('refuses a person born tomorrow', () => {
    const body = tactReferral();
    body.person.dateOfBirth = isoDaysFromToday(1);
    expect(errorsOf(body)).toContainEqual({ path: 'person.dateOfBirth', message: 'must not be in the future' });
  });

  it('requires the minor block for a 17-year-old, and not for someone 18 today', () => {
    const seventeen = tactReferral();
    seventeen.person.dateOfBirth = yearsAgoPlusDays(18, 1);
    expect(errorsOf(seventeen)).toEqual([{ path: 'minor', message: 'is required because the person is under 18 today' }]);
    const eighteenToday = tactReferral();
    eighteenToday.person.dateOfBirth = yearsAgoPlusDays(18, 0);
    expect(errorsOf(eighteenToday)).toEqual([]);
  });

  it('keeps a minor block for someone who is an adult today (the API sample of a minor)', () => {
    const body = { ...tactReferral(), minor: careMinorReferral().minor };
    expect(errorsOf(body)).toEqual([]);
  });

  it('says which fields are missing and which have the wrong type, without echoing values', () => {
    const body = tactReferral();
    delete body.person.familyName;
    body.accompanyingChildren = 'two';
    body.person.sex = 'Drita';
    const errors = errorsOf(body);
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'person.familyName', message: 'is required' },
        { path: 'accompanyingChildren', message: 'must be a number' },
        { path: 'person.sex', message: 'must be one of: "female", "male", "other"' },
      ])
    );
    expect(JSON.stringify(errors)).not.toContain('Drita');
  });

  it('gives the path of an item in a list', () => {
    const body = tactReferral();
    body.needs = ['medical', 'yacht'];
    expect(errorsOf(body)[0]?.path).toBe('needs[1]');
  });
});

describe('ages', () => {
  it.each([
    ['2008-11-23', '2026-11-23', 18],
    ['2008-11-24', '2026-11-23', 17],
    ['2008-02-29', '2026-02-28', 17],
    ['2008-02-29', '2026-03-01', 18],
  ])('someone born %s is on %s aged %i', (born, day, age) => {
    expect(ageOn(born, day)).toBe(age);
  });
});

describe('a new case', () => {
  it('gets a reference of programme, host country and six digits', () => {
    expect(formatReference('TACT', 'FR', 123)).toBe('TACT-FR-000123');
  });

  it('starts submitted, owned by the referrer, with a history entry and a summary that holds no personal data', () => {
    const referral = referralRequestSchema.parse(tactReferral());
    const { case: created, history } = newCaseFromReferral(
      referral,
      { caseId: '4f0f8c1e-5d8a-4a59-9a43-3c2f4c7c9b10', reference: 'TACT-FR-000001', referrerId: 'ngo-paris' },
      new Date('2026-11-23T10:00:00.000Z')
    );
    expect(created).toMatchObject({ status: 'submitted', referrerId: 'ngo-paris', version: 1, minorAtSubmission: false });
    expect(history).toEqual({ at: '2026-11-23T10:00:00.000Z', by: 'ngo-paris', action: 'submitted', toStatus: 'submitted' });
    const summary = JSON.stringify(referralSummary(created));
    for (const value of [referral.person.givenName, referral.person.familyName, referral.person.dateOfBirth, referral.person.phone]) {
      expect(summary).not.toContain(value);
    }
  });
});
