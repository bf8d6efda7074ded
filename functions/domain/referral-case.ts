import type { CaseItem, CaseNote, HistoryEntry } from '#events/case';
import { ageOn, todayIso } from '#events/dates';
import type { PlanSummary, VisitView } from '#events/lifecycle';
import { explainReasons } from '#events/reason-codes';
import type { ReferralRequest } from '#events/referral';
import type { FinanceView, ReferralListItem, ReferralSummary, ReferralView } from '#events/referral-views';

/** Turning an accepted referral into a case, and the views partners get of it. No AWS here. */

export type NewCase = CaseItem;

export const formatReference = (programmeId: string, hostCountry: string, sequence: number): string =>
  `${programmeId}-${hostCountry}-${String(sequence).padStart(6, '0')}`;

export const newCaseFromReferral = (
  referral: ReferralRequest,
  ids: { caseId: string; reference: string; referrerId: string },
  now: Date
): { case: NewCase; history: HistoryEntry } => {
  const at = now.toISOString();
  const submittedOn = todayIso(now);
  const minorAtSubmission = ageOn(referral.person.dateOfBirth, submittedOn) < 18;
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
    minorAtSubmission,
    victimStatus: referral.victimStatus,
    consent: {
      ...referral.consent,
      givenBy: referral.consent.givenBy ?? (minorAtSubmission ? 'guardian' : 'person'),
    },
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

/**
 * A referral that cannot be assessed at all is refused at intake rather than stored: without
 * consent to return there is nothing to organise. Missing consent to data sharing is stored and
 * left to eligibility.
 */
export const intakeRefusal = (referral: ReferralRequest): 'NO_RETURN_CONSENT' | undefined =>
  referral.consent.voluntaryReturn ? undefined : 'NO_RETURN_CONSENT';

/** What `201 Created` carries: enough to follow the case, nothing personal (it is stored for idempotent replays). */
export const referralSummary = (
  stored: Pick<NewCase, 'caseId' | 'reference' | 'status' | 'programmeId' | 'hostCountry' | 'originCountry' | 'createdAt'>
): ReferralSummary => ({
  id: stored.caseId,
  reference: stored.reference,
  status: stored.status,
  programmeId: stored.programmeId,
  hostCountry: stored.hostCountry,
  originCountry: stored.originCountry,
  createdAt: stored.createdAt,
});

/** A case as listed: the summary and when it last changed, never personal data. */
export const referralListItem = (
  stored: Pick<NewCase, 'caseId' | 'reference' | 'status' | 'programmeId' | 'hostCountry' | 'originCountry' | 'createdAt' | 'updatedAt'>
): ReferralListItem => ({
  ...referralSummary(stored),
  updatedAt: stored.updatedAt,
});

const historyView = (history: HistoryEntry[]) =>
  history.map(({ at, by, action, fromStatus, toStatus, reason, reasons, subject }) => ({
    at,
    by,
    action,
    fromStatus,
    toStatus,
    reason,
    reasons,
    subject,
  }));

/** The plan and visits of a case after arrival (see functions/domain/lifecycle-view.ts). */
export interface LifecycleParts {
  plan?: PlanSummary | undefined;
  visits: VisitView[];
}

/** What finance sees of a case: what a payment needs, nothing about the person. */
export const financeView = (stored: NewCase, history: HistoryEntry[], lifecycle: LifecycleParts = { visits: [] }): FinanceView => ({
  ...referralListItem(stored),
  personalData: stored.personalData,
  receiverId: stored.receiverId,
  plan: lifecycle.plan,
  history: historyView(history),
});

/** The full case for a partner allowed to see it. */
export const referralView = (
  stored: NewCase,
  history: HistoryEntry[],
  notes: CaseNote[] = [],
  lifecycle: LifecycleParts = { visits: [] }
): ReferralView => ({
  ...referralListItem(stored),
  destinationLocality: stored.destinationLocality,
  person: stored.person,
  personalData: stored.personalData,
  victimStatus: stored.victimStatus,
  consent: stored.consent,
  minor: stored.minor,
  riskAssessment: stored.riskAssessment,
  needs: stored.needs,
  accompanyingChildren: stored.accompanyingChildren,
  referrerId: stored.referrerId,
  receiverId: stored.receiverId,
  eligibility: eligibilityView(stored.eligibility),
  departure: stored.departure,
  arrival: stored.arrival,
  plan: lifecycle.plan,
  visits: lifecycle.visits,
  closure: stored.closure,
  history: historyView(history),
  notes: notes.map(({ id, at, by, text }) => ({ id, at, by, text })),
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
