import type { CaseItem } from '#events/case';
import type { Programme } from '#events/programme';
import { type ReasonCode, reasonEffect } from '#events/reason-codes';
import { coversHostCountry, coversOriginCountry, isOpenOn } from './programmes.ts';

/**
 * The eligibility rules: plain functions over the facts of a referral and its programme, each
 * naming what it found with a reason code. Every rule runs, so a partner learns every problem at
 * once rather than one per resubmission. Caps are not rules: they depend on the other referrals,
 * and are applied atomically when the decision is written (see places.ts).
 */
export type ReferralFacts = Pick<
  CaseItem,
  | 'programmeId'
  | 'hostCountry'
  | 'originCountry'
  | 'submittedOn'
  | 'minorAtSubmission'
  | 'victimStatus'
  | 'consent'
  | 'minor'
  | 'riskAssessment'
>;

/** What the platform learnt about the referral besides its own facts. */
export interface Signals {
  /** An earlier referral has the same keyed hash of name, date of birth and nationality. */
  possibleDuplicate: boolean;
}

export type RuleOutcome = 'eligible' | 'ineligible' | 'needs_review';

export interface Assessment {
  outcome: RuleOutcome;
  reasons: ReasonCode[];
}

type Rule = (facts: ReferralFacts, programme: Programme, signals: Signals) => ReasonCode | undefined;

const rules: readonly Rule[] = [
  (facts, programme) => (coversHostCountry(programme, facts.hostCountry) ? undefined : 'HOST_COUNTRY_NOT_COVERED'),
  (facts, programme) => (coversOriginCountry(programme, facts.originCountry) ? undefined : 'ORIGIN_COUNTRY_NOT_COVERED'),
  (facts, programme) => (isOpenOn(programme.window, facts.submittedOn) ? undefined : 'PROGRAMME_CLOSED'),
  // Intake refuses a referral without consent to return; a case stored before that check, or
  // written by another path, must still never be found eligible.
  (facts) => (facts.consent.voluntaryReturn ? undefined : 'NO_RETURN_CONSENT'),
  (facts) => (facts.consent.dataSharing ? undefined : 'NO_DATA_SHARING_CONSENT'),
  (facts, programme) => (facts.minorAtSubmission && !programme.acceptsMinors ? 'MINORS_NOT_ACCEPTED' : undefined),
  (facts, programme) => {
    if (!facts.minorAtSubmission || !programme.acceptsMinors) return undefined;
    const determination = facts.minor?.bestInterestsDetermination;
    if (determination === undefined) return 'MINOR_BID_MISSING';
    return determination.returnInBestInterests ? undefined : 'MINOR_BID_AGAINST_RETURN';
  },
  (facts, programme) =>
    facts.minorAtSubmission && programme.acceptsMinors && facts.minor?.guardianConsent !== true
      ? 'MINOR_GUARDIAN_CONSENT_MISSING'
      : undefined,
  (facts) => (facts.riskAssessment?.level === 'high' ? 'HIGH_RISK_REVIEW' : undefined),
  (facts) => (facts.victimStatus.status === 'presumed' ? 'PRESUMED_VICTIM_REVIEW' : undefined),
  (_facts, _programme, signals) => (signals.possibleDuplicate ? 'POSSIBLE_DUPLICATE' : undefined),
];

/**
 * Any code that makes the referral ineligible decides; review codes matter only when nothing
 * ruled the referral out, since a coordinator cannot make an out-of-scope referral eligible.
 */
export const assessReferral = (facts: ReferralFacts, programme: Programme | undefined, signals: Signals): Assessment => {
  if (programme === undefined) return { outcome: 'ineligible', reasons: ['UNKNOWN_PROGRAMME'] };
  const found = rules.map((rule) => rule(facts, programme, signals)).filter((code): code is ReasonCode => code !== undefined);
  const ineligible = found.filter((code) => reasonEffect(code) === 'ineligible');
  if (ineligible.length > 0) return { outcome: 'ineligible', reasons: ineligible };
  const review = found.filter((code) => reasonEffect(code) === 'review');
  if (review.length > 0) return { outcome: 'needs_review', reasons: review };
  return { outcome: 'eligible', reasons: [] };
};
