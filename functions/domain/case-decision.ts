import type { CaseItem, CaseNote, HistoryEntry } from '#events/case';
import type { Actor } from '#events/permissions';
import { type CaseAction, caseActions, checkTransition, preconditionMessages } from './case-lifecycle.ts';
import type { Caps, PlaceCounters, PlannedDecision } from './places.ts';

/**
 * The shape every lifecycle decision takes, so one runner (functions/commons/case-action.ts) can
 * apply any of them with the same optimistic concurrency, and answer refusals the same way.
 */

/** Changes to the case item, never the person block or the keys. */
export type CaseChanges = Partial<Omit<CaseItem, 'caseId' | 'version' | 'person'>>;

/**
 * An item of the case written with the change (a plan version, a visit), named by its id within
 * the case (`PLAN#000002`, `VISIT#001`: the same id the history's `subject` names). Where it is
 * stored is the adapters' business (functions/adapters/case-change.ts).
 */
export type CaseRecord = { itemId: string } & Record<string, unknown>;

export interface CaseChange {
  changes: CaseChanges;
  history: HistoryEntry;
  note?: CaseNote | undefined;
  records?: CaseRecord[];
}

export type Refusal =
  /** `action` names what was refused, so a test can tell which action a route's decider takes. */
  | { reason: 'role'; detail: string; action: CaseAction }
  | { reason: 'status'; detail: string; currentStatus: CaseItem['status'] }
  /** The request does not fit what is already recorded (409 without a status). */
  | { reason: 'conflict'; detail: string }
  /** The request is well-formed but breaks a rule of the programme or of time (422). */
  | { reason: 'invalid'; detail: string; errors: Array<{ path: string; message: string }> };

/**
 * A coordinator's review decision. Whether an eligible case gets a place or joins the waitlist
 * depends on the programme's counters when it is written, so the repository plans it with `plan`
 * inside the transaction that updates them (`CaseRepository.decide`).
 */
export interface ReviewChange {
  caps: Caps;
  plan: (counters: PlaceCounters) => PlannedDecision;
  by: string;
  action: string;
  note: string;
}

/** What a case looks like once a change is written, for answers that show the case as stored. */
export interface CaseRecordAfter {
  case: CaseItem;
  history: HistoryEntry[];
  notes: CaseNote[];
}

export type Decision<Response> =
  | { kind: 'change'; change: CaseChange; response: Response }
  | { kind: 'review'; review: ReviewChange; respond: (after: CaseRecordAfter) => Response }
  /** Already done as asked (a retried request): nothing to write, the same answer again. */
  | { kind: 'unchanged'; response: Response }
  | { kind: 'refused'; refusal: Refusal };

export interface CaseActor {
  partnerId: string;
  /** The roles the caller holds on this case (access-policy `rolesOnCase`), or `system`. */
  rolesOnCase: readonly Actor[];
}

/** The check of the state machine, as a refusal when the action may not be taken. */
export const refusalFor = (action: CaseAction, stored: CaseItem, actor: CaseActor): Refusal | undefined => {
  const check = checkTransition(action, stored.status, actor.rolesOnCase, stored);
  if (check.allowed) return undefined;
  const transition = caseActions[action];
  switch (check.reason) {
    case 'role':
      return { reason: 'role', action, detail: `Only ${rolesInWords(check.allowedRoles)} may ${transition.what}.` };
    case 'status':
      return {
        reason: 'status',
        currentStatus: check.currentStatus,
        detail: `The case is ${check.currentStatus}: you can ${transition.what} only when it is ${transition.from.join(' or ')}.`,
      };
    case 'precondition':
      return {
        reason: 'status',
        currentStatus: check.currentStatus,
        detail: `The case is ${check.currentStatus} and ${preconditionMessages[check.precondition]}: you cannot ${transition.what}.`,
      };
  }
};

/** The status the action leads to (call after `refusalFor` found nothing to refuse). */
export const statusAfter = (action: CaseAction, stored: CaseItem, actor: CaseActor): CaseItem['status'] => {
  const check = checkTransition(action, stored.status, actor.rolesOnCase, stored);
  if (!check.allowed) throw new Error(`${action} is not allowed on case ${stored.caseId}`);
  return check.to;
};

const roleWords: Record<Actor, string> = {
  referrer: 'the referring partner of the case',
  receiver: 'the receiving partner the case is offered to',
  coordinator: 'a coordinator',
  finance: 'finance',
  system: 'the platform',
};

const rolesInWords = (roles: readonly Actor[]): string => roles.map((role) => roleWords[role]).join(' or ');

export const refused = (refusal: Refusal): { kind: 'refused'; refusal: Refusal } => ({ kind: 'refused', refusal });

/** A note kept beside the history: the history entry only points at it. */
export const noteFor = (actor: Pick<CaseActor, 'partnerId'>, action: string, text: string | undefined, at: string): CaseNote | undefined =>
  text === undefined ? undefined : { id: `${at}#${actor.partnerId}#${action}`, at, by: actor.partnerId, action, text };

/** A history entry for an action on `stored` that leads to `toStatus`. */
export const historyFor = (
  stored: Pick<CaseItem, 'status'>,
  entry: {
    at: string;
    by: string;
    action: string;
    toStatus: CaseItem['status'];
    reason?: string;
    subject?: string;
    note?: CaseNote | undefined;
  }
): HistoryEntry => ({
  at: entry.at,
  by: entry.by,
  action: entry.action,
  fromStatus: stored.status,
  toStatus: entry.toStatus,
  ...(entry.reason === undefined ? {} : { reason: entry.reason }),
  ...(entry.subject === undefined ? {} : { subject: entry.subject }),
  ...(entry.note === undefined ? {} : { noteId: entry.note.id }),
});
