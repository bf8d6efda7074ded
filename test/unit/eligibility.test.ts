import { describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { type ReasonCode, reasonCodes } from '../../events/reason-codes.ts';
import { type Assessment, assessReferral, type ReferralFacts } from '../../functions/domain/eligibility.ts';
import { type PlaceCounters, planAssessment, planReview } from '../../functions/domain/places.ts';
import { programmeCatalogue } from '../../functions/domain/programmes.ts';

/**
 * Every reason code, for CARE and TACT as the seed facts describe them, with the windows the dev
 * stage runs them with (open from 2026-11-01) unless a test says otherwise.
 */
const definitions = Object.values(programmeDefinitionFiles).map((file) => programmeDefinitionSchema.parse(file));
const dev = programmeCatalogue(definitions, cdkJson.context.stages.dev.programmeWindows);
const prod = programmeCatalogue(definitions, cdkJson.context.stages.prod.programmeWindows);
const care = dev.get('CARE')!;
const tact = dev.get('TACT')!;

const adult = (changes: Partial<ReferralFacts> = {}): ReferralFacts => ({
  programmeId: 'TACT',
  hostCountry: 'GR',
  originCountry: 'UA',
  submittedOn: '2026-11-23',
  minorAtSubmission: false,
  victimStatus: { status: 'identified', identifiedBy: 'Hellenic Police', identifiedOn: '2026-10-02' },
  consent: { voluntaryReturn: true, dataSharing: true, givenOn: '2026-11-20', givenBy: 'person' },
  minor: undefined,
  riskAssessment: { level: 'low', completedOn: '2026-11-19' },
  ...changes,
});

const child = (minor: ReferralFacts['minor'], changes: Partial<ReferralFacts> = {}): ReferralFacts =>
  adult({ minorAtSubmission: true, minor, ...changes });

const bid = (returnInBestInterests: boolean) => ({ completedOn: '2026-11-10', returnInBestInterests });

const noSignals = { possibleDuplicate: false };

const covered = new Set<ReasonCode>();
const expectAssessment = (
  facts: ReferralFacts,
  programme: typeof care | undefined,
  outcome: string,
  reasons: ReasonCode[],
  signals = noSignals
) => {
  const assessment = assessReferral(facts, programme, signals);
  expect(assessment).toEqual({ outcome, reasons });
  for (const code of reasons) covered.add(code);
};

describe('TACT: France, Greece, Italy, Poland and Spain to Albania, Morocco and Ukraine; adults and minors', () => {
  it.each([
    ['Greece to Ukraine', 'GR', 'UA'],
    ['France to Albania', 'FR', 'AL'],
    ['Poland to Morocco', 'PL', 'MA'],
    ['Italy to Albania', 'IT', 'AL'],
    ['Spain to Morocco', 'ES', 'MA'],
  ])('a referral from %s is eligible', (_label, hostCountry, originCountry) => {
    expectAssessment(adult({ hostCountry, originCountry }), tact, 'eligible', []);
  });

  it('from Austria is HOST_COUNTRY_NOT_COVERED', () => {
    expectAssessment(adult({ hostCountry: 'AT' }), tact, 'ineligible', ['HOST_COUNTRY_NOT_COVERED']);
  });

  it('to Nigeria is ORIGIN_COUNTRY_NOT_COVERED', () => {
    expectAssessment(adult({ originCountry: 'NG' }), tact, 'ineligible', ['ORIGIN_COUNTRY_NOT_COVERED']);
  });

  it('a child going to Morocco without a best-interests determination is needs_review with MINOR_BID_MISSING', () => {
    const facts = child({ guardianConsent: true, escortRequired: true }, { originCountry: 'MA', hostCountry: 'FR' });
    expectAssessment(facts, tact, 'needs_review', ['MINOR_BID_MISSING']);
  });

  it('a child without the minor block at all (defensive) is needs_review with MINOR_BID_MISSING and no guardian consent', () => {
    expectAssessment(child(undefined), tact, 'needs_review', ['MINOR_BID_MISSING', 'MINOR_GUARDIAN_CONSENT_MISSING']);
  });

  it('a child whose determination finds return against their interest is ineligible with MINOR_BID_AGAINST_RETURN', () => {
    const facts = child({ bestInterestsDetermination: bid(false), guardianConsent: true, escortRequired: true });
    expectAssessment(facts, tact, 'ineligible', ['MINOR_BID_AGAINST_RETURN']);
  });

  it('a child without the guardian’s consent is needs_review with MINOR_GUARDIAN_CONSENT_MISSING', () => {
    const facts = child({ bestInterestsDetermination: bid(true), guardianConsent: false, escortRequired: true });
    expectAssessment(facts, tact, 'needs_review', ['MINOR_GUARDIAN_CONSENT_MISSING']);
  });

  it('a child with a determination for return and the guardian’s consent is eligible', () => {
    const facts = child({ bestInterestsDetermination: bid(true), guardianConsent: true, escortRequired: true });
    expectAssessment(facts, tact, 'eligible', []);
  });

  it('with its historic window (May 2015 to October 2016, as prod runs it) is PROGRAMME_CLOSED today, and was open then', () => {
    const historic = prod.get('TACT')!;
    expect(historic.window).toEqual({ opensOn: '2015-05-01', closesOn: '2016-10-31' });
    expectAssessment(adult(), historic, 'ineligible', ['PROGRAMME_CLOSED']);
    expectAssessment(adult({ submittedOn: '2016-10-31' }), historic, 'eligible', []);
    expectAssessment(adult({ submittedOn: '2015-04-30' }), historic, 'ineligible', ['PROGRAMME_CLOSED']);
  });

  it('in the dev stage accepts referrals submitted today', () => {
    expectAssessment(adult({ submittedOn: new Date().toISOString().slice(0, 10) }), tact, 'eligible', []);
  });
});

describe('CARE: Austria, France, Portugal, Spain and the United Kingdom to Africa, Asia and South America', () => {
  const careReferral = (changes: Partial<ReferralFacts> = {}) =>
    adult({ programmeId: 'CARE', hostCountry: 'ES', originCountry: 'NG', ...changes });

  it.each([
    ['Spain to Nigeria', 'ES', 'NG'],
    ['Spain to Brazil', 'ES', 'BR'],
    ['the United Kingdom to Viet Nam', 'GB', 'VN'],
    ['Austria to Colombia', 'AT', 'CO'],
    ['Portugal to Cabo Verde', 'PT', 'CV'],
    ['France to Morocco', 'FR', 'MA'],
  ])('a referral from %s is eligible', (_label, hostCountry, originCountry) => {
    expectAssessment(careReferral({ hostCountry, originCountry }), care, 'eligible', []);
  });

  it.each([
    ['Albania', 'AL'],
    ['Germany', 'DE'],
    ['Mexico (Central America, not South America)', 'MX'],
    ['the Dominican Republic (Caribbean)', 'DO'],
    ['Papua New Guinea (Oceania)', 'PG'],
  ])('a referral to %s is ORIGIN_COUNTRY_NOT_COVERED', (_label, originCountry) => {
    expectAssessment(careReferral({ originCountry }), care, 'ineligible', ['ORIGIN_COUNTRY_NOT_COVERED']);
  });

  it('from Greece is HOST_COUNTRY_NOT_COVERED', () => {
    expectAssessment(careReferral({ hostCountry: 'GR' }), care, 'ineligible', ['HOST_COUNTRY_NOT_COVERED']);
  });

  it('for a child is MINORS_NOT_ACCEPTED, whatever the determination says', () => {
    const facts = careReferral({
      minorAtSubmission: true,
      minor: { bestInterestsDetermination: bid(true), guardianConsent: true, escortRequired: true },
    });
    expectAssessment(facts, care, 'ineligible', ['MINORS_NOT_ACCEPTED']);
  });

  it('submitted before its window opened is PROGRAMME_CLOSED', () => {
    expectAssessment(careReferral({ submittedOn: '2026-10-31' }), care, 'ineligible', ['PROGRAMME_CLOSED']);
  });
});

describe.each([
  ['CARE', () => care, { programmeId: 'CARE', hostCountry: 'FR', originCountry: 'SN' }],
  ['TACT', () => tact, { programmeId: 'TACT', hostCountry: 'IT', originCountry: 'AL' }],
] as const)('%s: consent, risk, victim status and duplicates', (_name, programme, route) => {
  it('no consent to return is NO_RETURN_CONSENT (intake refuses it; eligibility still does)', () => {
    const facts = adult({ ...route, consent: { voluntaryReturn: false, dataSharing: true, givenOn: '2026-11-20', givenBy: 'person' } });
    expectAssessment(facts, programme(), 'ineligible', ['NO_RETURN_CONSENT']);
  });

  it('no consent to share data with the partner in the country of origin is NO_DATA_SHARING_CONSENT', () => {
    const facts = adult({ ...route, consent: { voluntaryReturn: true, dataSharing: false, givenOn: '2026-11-20', givenBy: 'person' } });
    expectAssessment(facts, programme(), 'ineligible', ['NO_DATA_SHARING_CONSENT']);
  });

  it('a high-risk return is needs_review with HIGH_RISK_REVIEW; a medium one is not', () => {
    expectAssessment(adult({ ...route, riskAssessment: { level: 'high', completedOn: '2026-11-19' } }), programme(), 'needs_review', [
      'HIGH_RISK_REVIEW',
    ]);
    expectAssessment(adult({ ...route, riskAssessment: { level: 'medium', completedOn: '2026-11-19' } }), programme(), 'eligible', []);
  });

  it('a presumed victim is needs_review with PRESUMED_VICTIM_REVIEW', () => {
    expectAssessment(adult({ ...route, victimStatus: { status: 'presumed' } }), programme(), 'needs_review', ['PRESUMED_VICTIM_REVIEW']);
  });

  it('a possible duplicate is needs_review with POSSIBLE_DUPLICATE', () => {
    expectAssessment(adult(route), programme(), 'needs_review', ['POSSIBLE_DUPLICATE'], { possibleDuplicate: true });
  });

  it('lists every review reason together', () => {
    const facts = adult({ ...route, victimStatus: { status: 'presumed' }, riskAssessment: { level: 'high', completedOn: '2026-11-19' } });
    expectAssessment(facts, programme(), 'needs_review', ['HIGH_RISK_REVIEW', 'PRESUMED_VICTIM_REVIEW', 'POSSIBLE_DUPLICATE'], {
      possibleDuplicate: true,
    });
  });

  it('lists every reason that rules the referral out, and no review reason beside them', () => {
    const facts = adult({
      ...route,
      hostCountry: 'DE',
      consent: { voluntaryReturn: false, dataSharing: false, givenOn: '2026-11-20', givenBy: 'person' },
      victimStatus: { status: 'presumed' },
    });
    expectAssessment(facts, programme(), 'ineligible', ['HOST_COUNTRY_NOT_COVERED', 'NO_RETURN_CONSENT', 'NO_DATA_SHARING_CONSENT']);
  });
});

describe('a programme that does not exist', () => {
  it('is UNKNOWN_PROGRAMME', () => {
    expectAssessment(adult({ programmeId: 'NOPE' }), dev.get('NOPE'), 'ineligible', ['UNKNOWN_PROGRAMME']);
  });
});

describe('caps (CARE: 260 assessed, 130 assisted; TACT states none)', () => {
  const counters = (assessed: number, assisted: number, waitlisted: number): PlaceCounters => ({ assessed, assisted, waitlisted });
  const eligible: Assessment = { outcome: 'eligible', reasons: [] };

  it('an eligible referral takes an assessment place and an assistance place', () => {
    expect(planAssessment(eligible, care.caps, counters(10, 5, 0))).toEqual({
      to: 'eligible',
      reasons: [],
      places: expect.objectContaining({ takeAssessment: true, takeAssistance: true, joinWaitlist: false }),
    });
  });

  it('the 131st eligible referral is waitlisted with ASSISTANCE_CAP_REACHED', () => {
    const plan = planAssessment(eligible, care.caps, counters(130, 130, 0));
    expect(plan).toMatchObject({
      to: 'waitlisted',
      reasons: ['ASSISTANCE_CAP_REACHED'],
      places: { takeAssessment: true, joinWaitlist: true, takeAssistance: false },
    });
    covered.add('ASSISTANCE_CAP_REACHED');
  });

  it('a free place does not go to a newcomer while others wait: it joins the waitlist', () => {
    expect(planAssessment(eligible, care.caps, counters(150, 129, 20)).to).toBe('waitlisted');
  });

  it('the 261st referral is ineligible with ASSESSMENT_CAP_REACHED and takes no place', () => {
    const plan = planAssessment(eligible, care.caps, counters(260, 130, 20));
    expect(plan).toMatchObject({
      to: 'ineligible',
      reasons: ['ASSESSMENT_CAP_REACHED'],
      places: { takeAssessment: false, joinWaitlist: false },
    });
    covered.add('ASSESSMENT_CAP_REACHED');
  });

  it('a referral ruled out takes no place at all', () => {
    const plan = planAssessment({ outcome: 'ineligible', reasons: ['ORIGIN_COUNTRY_NOT_COVERED'] }, care.caps, counters(0, 0, 0));
    expect(Object.values(plan.places).every((change) => change === false)).toBe(true);
  });

  it('a referral sent to review is assessed, and reserves an assistance place only if one is free', () => {
    const review: Assessment = { outcome: 'needs_review', reasons: ['PRESUMED_VICTIM_REVIEW'] };
    expect(planAssessment(review, care.caps, counters(10, 5, 0)).places).toMatchObject({ takeAssessment: true, takeAssistance: true });
    expect(planAssessment(review, care.caps, counters(140, 130, 10)).places).toMatchObject({ takeAssessment: true, takeAssistance: false });
  });

  it('TACT has no cap: the 10,000th eligible referral takes a place', () => {
    expect(planAssessment(eligible, tact.caps, counters(9_999, 9_999, 0)).to).toBe('eligible');
  });

  it('a coordinator’s ineligible decision is REVIEWED_INELIGIBLE and gives a reserved place back', () => {
    expect(planReview('ineligible', true, care.caps, counters(140, 130, 3))).toMatchObject({
      to: 'ineligible',
      reasons: ['REVIEWED_INELIGIBLE'],
      places: { releaseAssistance: true },
    });
    expect(planReview('ineligible', false, care.caps, counters(140, 130, 3)).places.releaseAssistance).toBe(false);
    covered.add('REVIEWED_INELIGIBLE');
  });

  it('a coordinator’s eligible decision keeps a reserved place, takes a free one, or waits like everyone else', () => {
    expect(planReview('eligible', true, care.caps, counters(140, 130, 3))).toMatchObject({
      to: 'eligible',
      places: { takeAssistance: false },
    });
    expect(planReview('eligible', false, care.caps, counters(40, 30, 0))).toMatchObject({
      to: 'eligible',
      places: { takeAssistance: true },
    });
    expect(planReview('eligible', false, care.caps, counters(140, 130, 0))).toMatchObject({
      to: 'waitlisted',
      reasons: ['ASSISTANCE_CAP_REACHED'],
      places: { joinWaitlist: true },
    });
  });
});

describe('coverage of this file', () => {
  it('exercises every reason code', () => {
    expect([...covered].sort()).toEqual([...reasonCodes].sort());
  });
});
