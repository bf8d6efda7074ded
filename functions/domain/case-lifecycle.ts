import type { CaseStatus } from '#events/case';
import type { Role } from '#events/primitives';
import { type PlaceChange, placeChange } from './places.ts';

/**
 * The life of a case (DESIGN.md) as data: every action names the statuses it may start from, the
 * status it leads to, and who may take it. `system` is the platform itself (the eligibility engine,
 * the waitlist). Which case a partner may act on is decided by the access policy; this module only
 * says whether the action makes sense in the case's current status.
 */
export type Actor = Role | 'system';

export interface Transition {
  from: readonly CaseStatus[];
  /** Where the action leads; `undefined` for actions that keep the status (they still make history). */
  to: CaseStatus | undefined;
  by: readonly Actor[];
}

const beforeDeparture = [
  'submitted',
  'needs_review',
  'eligible',
  'ineligible',
  'waitlisted',
  'accepted',
  'declined',
] as const satisfies readonly CaseStatus[];

export const caseActions = {
  assessEligible: { from: ['submitted'], to: 'eligible', by: ['system'] },
  assessIneligible: { from: ['submitted'], to: 'ineligible', by: ['system'] },
  assessNeedsReview: { from: ['submitted'], to: 'needs_review', by: ['system'] },
  assessWaitlisted: { from: ['submitted'], to: 'waitlisted', by: ['system'] },
  decideEligible: { from: ['needs_review'], to: 'eligible', by: ['coordinator'] },
  decideIneligible: { from: ['needs_review'], to: 'ineligible', by: ['coordinator'] },
  decideWaitlisted: { from: ['needs_review'], to: 'waitlisted', by: ['coordinator'] },
  promote: { from: ['waitlisted'], to: 'eligible', by: ['system'] },
  withdraw: { from: beforeDeparture, to: 'withdrawn', by: ['referrer', 'coordinator'] },
  accept: { from: ['eligible'], to: 'accepted', by: ['receiver'] },
  decline: { from: ['eligible'], to: 'declined', by: ['receiver'] },
  reassign: { from: ['eligible', 'declined'], to: 'eligible', by: ['coordinator'] },
  planDeparture: { from: ['accepted'], to: undefined, by: ['referrer'] },
  depart: { from: ['accepted'], to: 'departed', by: ['referrer'] },
  arrive: { from: ['departed'], to: 'arrived', by: ['receiver'] },
  draftPlan: { from: ['arrived', 'reintegrating', 'monitoring'], to: undefined, by: ['receiver'] },
  approvePlan: { from: ['arrived', 'reintegrating', 'monitoring'], to: 'reintegrating', by: ['coordinator'] },
  returnPlan: { from: ['arrived', 'reintegrating', 'monitoring'], to: undefined, by: ['coordinator'] },
  recordVisit: { from: ['reintegrating', 'monitoring'], to: 'monitoring', by: ['receiver'] },
  close: { from: ['departed', 'arrived', 'reintegrating', 'monitoring'], to: 'closed', by: ['coordinator'] },
  reopen: { from: ['closed'], to: undefined, by: ['coordinator'] },
} as const satisfies Record<string, Transition>;

export type CaseAction = keyof typeof caseActions;

export type TransitionCheck =
  | { allowed: true; to: CaseStatus | undefined }
  | { allowed: false; reason: 'role'; allowedRoles: readonly Actor[] }
  | { allowed: false; reason: 'status'; currentStatus: CaseStatus };

/** Whether `actor` may take `action` on a case in `currentStatus`, and where it leads. */
export const checkTransition = (action: CaseAction, currentStatus: CaseStatus, actors: readonly Actor[]): TransitionCheck => {
  const transition: Transition = caseActions[action];
  if (!actors.some((actor) => transition.by.includes(actor))) {
    return { allowed: false, reason: 'role', allowedRoles: transition.by };
  }
  if (!transition.from.includes(currentStatus)) {
    return { allowed: false, reason: 'status', currentStatus };
  }
  return { allowed: true, to: transition.to };
};

/**
 * Statuses that count against the programme's assistance cap: the person is being assisted, or was
 * (a closed case used its place). A case in `needs_review` may also hold one it reserved when it
 * was assessed; the case item's `assistancePlace` says so.
 */
export const assistedStatuses = [
  'eligible',
  'accepted',
  'departed',
  'arrived',
  'reintegrating',
  'monitoring',
  'closed',
] as const satisfies readonly CaseStatus[];

/** Statuses that give an assistance place back, so that the oldest waitlisted case is promoted. */
export const placeReleasingStatuses = ['ineligible', 'declined', 'withdrawn'] as const satisfies readonly CaseStatus[];

/**
 * What a transition does to the programme's places: leaving the waitlist removes the case from it
 * (promotion also takes the place); reaching a releasing status gives the place back; reaching an
 * assisted status without a place (e.g. reassigning a declined case) needs one.
 */
export const placeChangeOf = (from: CaseStatus, to: CaseStatus | undefined, holdsAssistancePlace: boolean): PlaceChange => {
  if (to === undefined || to === from) return placeChange({});
  const needsPlace = (assistedStatuses as readonly CaseStatus[]).includes(to) && !holdsAssistancePlace;
  return placeChange({
    joinWaitlist: to === 'waitlisted',
    leaveWaitlist: from === 'waitlisted',
    releaseAssistance: holdsAssistancePlace && (placeReleasingStatuses as readonly CaseStatus[]).includes(to),
    takeAssistance: needsPlace,
  });
};
