import { type CaseItem, type CaseStatus, statusesAfterArrival, statusesBeforeDeparture } from '#events/case';
import { type Actor, permissions } from '#events/permissions';
import { type PlaceChange, placeChange } from './places.ts';

/**
 * The life of a case (README.md, "The life of a case after eligibility") as data, in one place: every action names the
 * statuses it may start from, the status it leads to, who may take it and what else must hold.
 * Who may take it is the permission table's (events/permissions.ts), so a route and the action it
 * takes cannot disagree. Which case a partner may act on is decided by the access policy (a
 * receiver role counts only on the cases offered to it); this module says whether the action makes
 * sense for the case as it is now.
 *
 * A closed case accepts nothing but `reopen`: no other action lists `closed` in `from`.
 */
export type { Actor } from '#events/permissions';

/** Facts besides the status that an action needs. */
export type Precondition =
  /** No receiving partner has been offered the case yet. */
  | 'unassigned'
  /** The latest plan version is submitted and not yet decided. */
  | 'planAwaitingApproval'
  /** The closure is on record, so reopening knows where the case was. */
  | 'closureRecorded';

export interface Transition {
  /** What the action does, for messages ("accept the case"). */
  what: string;
  from: readonly CaseStatus[];
  /**
   * Where the action leads: a status; `undefined` when the action keeps the status (it still
   * makes history); `statusBeforeClosure` for reopening.
   */
  to: CaseStatus | 'statusBeforeClosure' | undefined;
  /** Statuses of `from` in which the action is taken but the status stays as it is. */
  staysIn?: readonly CaseStatus[];
  by: readonly Actor[];
  requires?: readonly Precondition[];
}

export const caseActions = {
  assessEligible: { what: 'assess the case eligible', from: ['submitted'], to: 'eligible', by: permissions.case.assessEligible },
  assessIneligible: { what: 'assess the case ineligible', from: ['submitted'], to: 'ineligible', by: permissions.case.assessIneligible },
  assessNeedsReview: { what: 'send the case for review', from: ['submitted'], to: 'needs_review', by: permissions.case.assessNeedsReview },
  assessWaitlisted: { what: 'waitlist the case', from: ['submitted'], to: 'waitlisted', by: permissions.case.assessWaitlisted },
  decideEligible: { what: 'decide the case eligible', from: ['needs_review'], to: 'eligible', by: permissions.case.decideEligible },
  decideIneligible: { what: 'decide the case ineligible', from: ['needs_review'], to: 'ineligible', by: permissions.case.decideIneligible },
  decideWaitlisted: { what: 'waitlist the case', from: ['needs_review'], to: 'waitlisted', by: permissions.case.decideWaitlisted },
  promote: { what: 'promote the case from the waitlist', from: ['waitlisted'], to: 'eligible', by: permissions.case.promote },
  withdraw: { what: 'withdraw the referral', from: statusesBeforeDeparture, to: 'withdrawn', by: permissions.case.withdraw },
  /** An eligible case goes to the receiving partner registered for its programme and country of origin. */
  offer: {
    what: 'offer the case to a receiving partner',
    from: ['eligible'],
    to: undefined,
    by: permissions.case.offer,
    requires: ['unassigned'],
  },
  /**
   * Only while the offer is open: a declined case has released its assistance place (the waitlist
   * promotes the next case), so offering it again would need a place again, which is an eligibility
   * decision, not a reassignment.
   */
  reassign: { what: 'offer the case to another receiving partner', from: ['eligible'], to: undefined, by: permissions.case.reassign },
  accept: { what: 'accept the case', from: ['eligible'], to: 'accepted', by: permissions.case.accept },
  decline: { what: 'decline the case', from: ['eligible'], to: 'declined', by: permissions.case.decline },
  planDeparture: { what: 'record the planned departure', from: ['accepted'], to: undefined, by: permissions.case.planDeparture },
  depart: { what: 'record the departure', from: ['accepted'], to: 'departed', by: permissions.case.depart },
  arrive: { what: 'record the arrival', from: ['departed'], to: 'arrived', by: permissions.case.arrive },
  /** Reception services given after the arrival was first recorded (onward transport a few days later). */
  addReception: { what: 'add reception services', from: statusesAfterArrival, to: undefined, by: permissions.case.addReception },
  draftPlan: { what: 'draft the reintegration plan', from: statusesAfterArrival, to: undefined, by: permissions.case.draftPlan },
  /** The first approved plan starts reintegration; a revision approved later keeps the status. */
  approvePlan: {
    what: 'approve the plan',
    from: statusesAfterArrival,
    to: 'reintegrating',
    staysIn: ['reintegrating', 'monitoring'],
    by: permissions.case.approvePlan,
    requires: ['planAwaitingApproval'],
  },
  returnPlan: {
    what: 'return the plan',
    from: statusesAfterArrival,
    to: undefined,
    by: permissions.case.returnPlan,
    requires: ['planAwaitingApproval'],
  },
  /** A visit due before the plan is approved is still recorded; monitoring starts once reintegration has. */
  recordVisit: {
    what: 'record a monitoring visit',
    from: statusesAfterArrival,
    to: 'monitoring',
    staysIn: ['arrived'],
    by: permissions.case.recordVisit,
  },
  close: { what: 'close the case', from: ['departed', ...statusesAfterArrival], to: 'closed', by: permissions.case.close },
  reopen: {
    what: 'reopen the case',
    from: ['closed'],
    to: 'statusBeforeClosure',
    by: permissions.case.reopen,
    requires: ['closureRecorded'],
  },
} as const satisfies Record<string, Transition>;

export type CaseAction = keyof typeof caseActions;

/** What the preconditions look at. */
export type CaseFacts = Partial<Pick<CaseItem, 'receiverId' | 'planStatus' | 'closure'>>;

export type TransitionCheck =
  | { allowed: true; to: CaseStatus }
  | { allowed: false; reason: 'role'; allowedRoles: readonly Actor[] }
  | { allowed: false; reason: 'status'; currentStatus: CaseStatus }
  | { allowed: false; reason: 'precondition'; precondition: Precondition; currentStatus: CaseStatus };

const holds = (precondition: Precondition, facts: CaseFacts): boolean => {
  switch (precondition) {
    case 'unassigned':
      return facts.receiverId === undefined;
    case 'planAwaitingApproval':
      return facts.planStatus === 'submitted';
    case 'closureRecorded':
      return facts.closure !== undefined;
  }
};

/**
 * Whether `actors` may take `action` on a case in `currentStatus`, and the status it leads to.
 * Role first (403), then status (409), then the other preconditions (409). Facts a precondition
 * needs but that are not given count as not holding.
 */
export const checkTransition = (
  action: CaseAction,
  currentStatus: CaseStatus,
  actors: readonly Actor[],
  facts: CaseFacts = {}
): TransitionCheck => {
  const transition: Transition = caseActions[action];
  if (!actors.some((actor) => transition.by.includes(actor))) {
    return { allowed: false, reason: 'role', allowedRoles: transition.by };
  }
  if (!transition.from.includes(currentStatus)) {
    return { allowed: false, reason: 'status', currentStatus };
  }
  const unmet = transition.requires?.find((precondition) => !holds(precondition, facts));
  if (unmet !== undefined) return { allowed: false, reason: 'precondition', precondition: unmet, currentStatus };
  return { allowed: true, to: destination(transition, currentStatus, facts) };
};

const destination = (transition: Transition, currentStatus: CaseStatus, facts: CaseFacts): CaseStatus => {
  if (transition.to === undefined || transition.staysIn?.includes(currentStatus)) return currentStatus;
  if (transition.to === 'statusBeforeClosure') return facts.closure?.statusBeforeClosure ?? currentStatus;
  return transition.to;
};

/** Why a precondition failed, in words a partner can act on. */
export const preconditionMessages: Record<Precondition, string> = {
  unassigned: 'the case has already been offered to a receiving partner',
  planAwaitingApproval: 'there is no plan version waiting for a decision',
  closureRecorded: 'the closure of the case is not on record',
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
