import { type Role, roles } from './primitives.ts';

/**
 * Who may do what, once. The partner API's routes take their roles from here (`events/routes.ts`
 * names the permission a route needs), and so do the domain's transitions: a case action's `by` in
 * `functions/domain/case-lifecycle.ts` and a payment action's in the payments domain. `system` is
 * the platform itself (the eligibility engine, the waitlist, the offer, the payment reservation),
 * which no route may act as. test/unit/permissions.test.ts fails when a route and the action it
 * takes disagree.
 *
 * Which case a partner may act on is a separate question, answered by the access policy: a
 * receiver role counts only on the cases offered to it, a referrer only on its own.
 */
export type Actor = Role | 'system';

const everyRole = roles;

export const permissions = {
  case: {
    submit: ['referrer'],
    read: everyRole,
    assessEligible: ['system'],
    assessIneligible: ['system'],
    assessNeedsReview: ['system'],
    assessWaitlisted: ['system'],
    decideEligible: ['coordinator'],
    decideIneligible: ['coordinator'],
    decideWaitlisted: ['coordinator'],
    promote: ['system'],
    withdraw: ['referrer', 'coordinator'],
    offer: ['system'],
    reassign: ['coordinator'],
    accept: ['receiver'],
    decline: ['receiver'],
    planDeparture: ['referrer'],
    depart: ['referrer'],
    arrive: ['receiver'],
    addReception: ['receiver'],
    draftPlan: ['receiver'],
    approvePlan: ['coordinator'],
    returnPlan: ['coordinator'],
    recordVisit: ['receiver'],
    close: ['coordinator'],
    reopen: ['coordinator'],
  },
  programme: {
    readFigures: ['coordinator'],
  },
  /** A case's personal data: erasing it (a coordinator, or the programme's retention rule) and who saw it. */
  personalData: {
    erase: ['coordinator'],
    expire: ['system'],
    readAccessLog: ['coordinator'],
  },
  /**
   * A case's documents: the parties of the case and coordinators attach and delete (a partner only its
   * own uploads, functions/domain/document-rules.ts). Reading is every role like the case itself, so
   * that finance meets the same 404 as for a case it may not see: documents are personal data, shown
   * only with the full view of a case (functions/commons/case-access.ts), which finance never has.
   */
  document: {
    attach: ['referrer', 'receiver', 'coordinator'],
    read: everyRole,
    delete: ['referrer', 'receiver', 'coordinator'],
  },
  payment: {
    request: ['receiver'],
    read: ['receiver', 'coordinator', 'finance'],
    export: ['finance'],
    readTransferInstructions: ['finance'],
    reserve: ['system'],
    refuse: ['system'],
    approve: ['coordinator', 'finance'],
    reject: ['coordinator', 'finance'],
    cancel: ['receiver', 'coordinator'],
    disburse: ['finance'],
  },
  /** A partner's own webhook endpoints (which events reach them follows the access policy, not these). */
  webhook: {
    manage: everyRole,
    read: everyRole,
  },
} as const satisfies Record<string, Record<string, readonly Actor[]>>;

export type Subject = keyof typeof permissions;
export type CasePermission = keyof typeof permissions.case;
export type PaymentPermission = keyof typeof permissions.payment;

/** A permission as routes name it: `case.withdraw`, `payment.approve`, ... */
export type Permission = { [S in Subject]: `${S}.${keyof (typeof permissions)[S] & string}` }[Subject];

export function actorsFor(permission: Permission): readonly Actor[] {
  const [subject, action] = permission.split('.') as [Subject, string];
  const bySubject: Record<string, readonly Actor[]> = permissions[subject];
  const actors = bySubject[action];
  if (actors === undefined) throw new Error(`unknown permission ${permission}`);
  return actors;
}

/** The roles a partner may hold to be granted `permission` over the API (the platform's own actor never is). */
export function rolesGranted(permission: Permission): readonly Role[] {
  return actorsFor(permission).filter((actor): actor is Role => actor !== 'system');
}
