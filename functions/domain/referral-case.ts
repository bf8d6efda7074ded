import type { CaseItem, HistoryEntry } from '#events/case';
import type { ReferralRequest } from '#events/referral';
import { ageOn, todayIso } from './dates.ts';
import { explainReasons } from './reason-codes.ts';

/** Turning an accepted referral into a case, and the views partners get of it. No AWS here. */

export type NewCase = Omit<CaseItem, 'pk' | 'sk'>;

export const formatReference = (programmeId: string, hostCountry: string, sequence: number): string =>
  `${programmeId}-${hostCountry}-${String(sequence).padStart(6, '0')}`;

export const newCaseFromReferral = (
  referral: ReferralRequest,
  ids: { caseId: string; reference: string; referrerId: string },
  now: Date
): { case: NewCase; history: HistoryEntry } => {
  const at = now.toISOString();
  const submittedOn = todayIso(now);
  const submitted: NewCase = {
    caseId: ids.caseId,
    reference: ids.reference,
    programmeId: referral.programmeId,
    hostCountry: referral.hostCountry,
    originCountry: referral.originCountry,
    destinationLocality: referral.destinationLocality,
    referrerId: ids.referrerId,
    status: 'submitted',
    createdAt: at,
    updatedAt: at,
    version: 1,
    submittedOn,
    minorAtSubmission: ageOn(referral.person.dateOfBirth, submittedOn) < 18,
    victimStatus: referral.victimStatus,
    consent: referral.consent,
    minor: referral.minor,
    riskAssessment: referral.riskAssessment,
    needs: referral.needs ?? [],
    accompanyingChildren: referral.accompanyingChildren ?? 0,
    person: { ...referral.person, languages: referral.person.languages ?? [] },
  };
  return {
    case: submitted,
    history: { at, by: ids.referrerId, action: 'submitted', toStatus: 'submitted' },
  };
};

/** What `201 Created` carries: enough to follow the case, nothing personal (it is stored for idempotent replays). */
export const referralSummary = (stored: NewCase) => ({
  id: stored.caseId,
  reference: stored.reference,
  status: stored.status,
  programmeId: stored.programmeId,
  hostCountry: stored.hostCountry,
  originCountry: stored.originCountry,
  createdAt: stored.createdAt,
});

/** The full case for a partner allowed to see it. */
export const referralView = (stored: NewCase, history: HistoryEntry[]) => ({
  ...referralSummary(stored),
  updatedAt: stored.updatedAt,
  destinationLocality: stored.destinationLocality,
  person: stored.person,
  victimStatus: stored.victimStatus,
  consent: stored.consent,
  minor: stored.minor,
  riskAssessment: stored.riskAssessment,
  needs: stored.needs,
  accompanyingChildren: stored.accompanyingChildren,
  eligibility: eligibilityView(stored.eligibility),
  history: history.map(({ at, by, action, fromStatus, toStatus, reason, reasons, note }) => ({
    at,
    by,
    action,
    fromStatus,
    toStatus,
    reason,
    reasons,
    note,
  })),
});

/** The decision with each reason explained in English and French, as partners see it. */
export const eligibilityView = (eligibility: NewCase['eligibility']) =>
  eligibility === undefined
    ? undefined
    : {
        outcome: eligibility.outcome,
        reasons: eligibility.reasons,
        explanations: explainReasons(eligibility.reasons),
        decidedAt: eligibility.decidedAt,
        decidedBy: eligibility.decidedBy,
        note: eligibility.note,
      };
