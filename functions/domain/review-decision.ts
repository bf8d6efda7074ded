import type { CaseItem } from '#events/case';
import type { DecisionRequest } from '#events/decision';
import type { Programme } from '#events/programme';
import type { ReferralView } from '#events/referral-views';
import { type CaseActor, type CaseRecordAfter, type Decision, refusalFor, refused } from './case-decision.ts';
import { planReview } from './places.ts';
import { referralView } from './referral-case.ts';

/**
 * A coordinator decides a case the engine sent to review. The decision goes through the same
 * places as the engine's (an eligible decision may end on the waitlist; an ineligible one gives
 * back a place the case had reserved), and is recorded in the history with who decided and their
 * note. A decision is a judgement on the case as the coordinator read it, so it is not taken again
 * on a case that changed meanwhile: after a lost race the coordinator is asked to read it again.
 */
export const decideReview = (
  found: CaseRecordAfter,
  actor: CaseActor,
  request: DecisionRequest,
  programme: Programme | undefined,
  afterLostRace: boolean
): Decision<ReferralView> => {
  const stored = found.case;
  const unchanged = { kind: 'unchanged', response: referralView(stored, found.history, found.notes) } as const;
  const roleRefusal = refusalFor(request.outcome === 'eligible' ? 'decideEligible' : 'decideIneligible', stored, actor);
  if (roleRefusal?.reason === 'role') return refused(roleRefusal);
  if (afterLostRace) {
    return alreadyDecided(stored, request, actor.partnerId)
      ? unchanged
      : refused({ reason: 'conflict', detail: 'The referral changed while it was being decided; read it again before deciding.' });
  }
  if (stored.status !== 'needs_review') {
    return alreadyDecided(stored, request, actor.partnerId)
      ? unchanged
      : refused({ reason: 'conflict', detail: `The referral is ${stored.status}; only a referral in needs_review can be decided.` });
  }
  if (programme === undefined) throw new Error(`case ${stored.caseId} is in review in an unknown programme`);

  const { caps } = programme;
  return {
    kind: 'review',
    review: {
      caps,
      plan: (counters) => planReview(request.outcome, stored.assistancePlace ?? false, caps, counters),
      by: actor.partnerId,
      action: 'reviewed',
      note: request.note,
    },
    respond: (after) => referralView(after.case, after.history, after.notes),
  };
};

/** A retried request whose decision was already written gets the same answer, not a conflict. */
export const alreadyDecided = (current: CaseItem, request: DecisionRequest, partnerId: string): boolean => {
  const decision = current.eligibility;
  if (decision?.decidedBy !== partnerId || decision.note !== request.note) return false;
  return request.outcome === 'ineligible'
    ? decision.outcome === 'ineligible'
    : decision.outcome === 'eligible' || decision.outcome === 'waitlisted';
};
