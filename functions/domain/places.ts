import type { CaseStatus } from '#events/case';
import type { ProgrammeDefinition } from '#events/programme';
import type { ReasonCode } from '#events/reason-codes';
import type { Assessment } from './eligibility.ts';

/**
 * Places against a programme's caps. Counters live in one item per programme (`assessed`,
 * `assisted`, `waitlisted`); every decision is planned here from a consistent read of them, and
 * written with conditions that restate the plan's assumptions, so a decision planned on counters
 * that changed meanwhile is refused and planned again: no burst of decisions passes a cap.
 *
 * - An assessment place is taken once, by every referral the rules do not rule out; it is never
 *   given back (the assessment happened).
 * - An assistance place is held by an eligible case and every later stage of it, and by a case in
 *   review that found a free place when it was assessed (so a review does not cost the person
 *   their turn). It is given back when the case becomes ineligible, is declined or is withdrawn,
 *   and the oldest waitlisted case is then promoted.
 * - Nobody takes a free assistance place while others wait: with a waitlist, a new eligible case
 *   joins it, and only promotion (oldest first) fills freed places.
 */
export interface PlaceCounters {
  assessed: number;
  assisted: number;
  waitlisted: number;
}

export type Caps = ProgrammeDefinition['caps'];

export interface PlaceChange {
  takeAssessment: boolean;
  takeAssistance: boolean;
  releaseAssistance: boolean;
  joinWaitlist: boolean;
  leaveWaitlist: boolean;
}

export interface PlannedDecision {
  to: CaseStatus;
  reasons: ReasonCode[];
  places: PlaceChange;
}

const noChange: PlaceChange = {
  takeAssessment: false,
  takeAssistance: false,
  releaseAssistance: false,
  joinWaitlist: false,
  leaveWaitlist: false,
};

const places = (change: Partial<PlaceChange>): PlaceChange => ({ ...noChange, ...change });

export const emptyCounters: PlaceCounters = { assessed: 0, assisted: 0, waitlisted: 0 };

export const assessmentCapReached = (caps: Caps, counters: PlaceCounters): boolean =>
  caps.assessment !== null && counters.assessed >= caps.assessment;

/** A place a newcomer may take: under the cap, and nobody waiting for it. */
export const assistancePlaceFree = (caps: Caps, counters: PlaceCounters): boolean =>
  (caps.assistance === null || counters.assisted < caps.assistance) && counters.waitlisted === 0;

/** Whether the oldest waitlisted case can be promoted now. */
export const promotionPossible = (caps: Caps, counters: PlaceCounters): boolean =>
  counters.waitlisted > 0 && (caps.assistance === null || counters.assisted < caps.assistance);

/** The first decision on a submitted referral, from the rules' assessment and the counters. */
export const planAssessment = (assessment: Assessment, caps: Caps, counters: PlaceCounters): PlannedDecision => {
  if (assessment.outcome === 'ineligible') {
    return { to: 'ineligible', reasons: assessment.reasons, places: noChange };
  }
  if (assessmentCapReached(caps, counters)) {
    return { to: 'ineligible', reasons: ['ASSESSMENT_CAP_REACHED'], places: noChange };
  }
  const free = assistancePlaceFree(caps, counters);
  if (assessment.outcome === 'needs_review') {
    return { to: 'needs_review', reasons: assessment.reasons, places: places({ takeAssessment: true, takeAssistance: free }) };
  }
  return free
    ? { to: 'eligible', reasons: [], places: places({ takeAssessment: true, takeAssistance: true }) }
    : { to: 'waitlisted', reasons: ['ASSISTANCE_CAP_REACHED'], places: places({ takeAssessment: true, joinWaitlist: true }) };
};

/** A coordinator's decision on a case in review; the same caps apply as at assessment. */
export const planReview = (
  outcome: 'eligible' | 'ineligible',
  holdsAssistancePlace: boolean,
  caps: Caps,
  counters: PlaceCounters
): PlannedDecision => {
  if (outcome === 'ineligible') {
    return { to: 'ineligible', reasons: ['REVIEWED_INELIGIBLE'], places: places({ releaseAssistance: holdsAssistancePlace }) };
  }
  if (holdsAssistancePlace) return { to: 'eligible', reasons: [], places: noChange };
  return assistancePlaceFree(caps, counters)
    ? { to: 'eligible', reasons: [], places: places({ takeAssistance: true }) }
    : { to: 'waitlisted', reasons: ['ASSISTANCE_CAP_REACHED'], places: places({ joinWaitlist: true }) };
};

export const promotion: PlannedDecision = {
  to: 'eligible',
  reasons: [],
  places: places({ takeAssistance: true, leaveWaitlist: true }),
};

/** Whether the case holds an assistance place once the change is made. */
export const holdsAssistancePlaceAfter = (before: boolean, change: PlaceChange): boolean =>
  (before && !change.releaseAssistance) || change.takeAssistance;

/** The counters once the change is made, for the write and for checking it against the caps. */
export const counterDeltas = (change: PlaceChange): PlaceCounters => ({
  assessed: change.takeAssessment ? 1 : 0,
  assisted: (change.takeAssistance ? 1 : 0) - (change.releaseAssistance ? 1 : 0),
  waitlisted: (change.joinWaitlist ? 1 : 0) - (change.leaveWaitlist ? 1 : 0),
});

export { noChange as noPlaceChange, places as placeChange };
