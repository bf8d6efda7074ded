import type * as z from 'zod/mini';
import { decisionRequestSchema } from './decision.ts';
import { documentRoutes } from './document-routes.ts';
import {
  arrivalRequestSchema,
  closeRequestSchema,
  declineRequestSchema,
  departureRequestSchema,
  noteOnlyRequestSchema,
  reassignRequestSchema,
  returnPlanRequestSchema,
  visitRequestSchema,
} from './lifecycle.ts';
import {
  disbursementRequestSchema,
  exportQuerySchema,
  listPaymentsQuerySchema,
  paymentNoteRequestSchema,
  paymentRejectRequestSchema,
  paymentRequestSchema,
} from './payment.ts';
import { type Permission, rolesGranted } from './permissions.ts';
import { personalDataRoutes } from './personal-data-routes.ts';
import { planRequestSchema } from './plan.ts';
import type { Role } from './primitives.ts';
import { referralRequestSchema } from './referral.ts';
import { listReferralsQuerySchema } from './referral-list.ts';
import { webhookRoutes } from './webhook-routes.ts';
import { withdrawRequestSchema } from './withdrawal.ts';

/**
 * Every route of the partner API, once. The stack wires each route to its function from this table,
 * the handlers take their allowed roles from the permission it names (`rolesFor`), and the OpenAPI
 * document is generated from it (functions/commons/openapi.ts), so a route cannot exist in one
 * place and be missing from another.
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** The entry file under `functions/` (without `.ts`) that serves the route. */
  handler: string;
  /**
   * What the route does, as the permission table names it (events/permissions.ts): the roles that
   * may call it follow. A route whose body chooses between actions (a planned or an actual
   * departure) names each; `public` routes take no partner key.
   */
  permission: Permission | readonly Permission[] | 'public';
  summary: string;
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  idempotencyKey?: 'required';
  successStatus: number;
  /** What the handler answers beyond what the fields above imply (see `RouteAnswer`). */
  answers?: readonly RouteAnswer[];
}

/**
 * What a route answers beyond what its other fields imply. Implied (functions/commons/openapi.ts
 * `errorStatusesOf`): the success status; 400, 413 and 415 for a body; 400 for a query; 401 and 403 for
 * a partner route; 404 for an `{id}`; 400, 409 (in progress) and 422 (reused) for an
 * Idempotency-Key; 500 everywhere. Declared from what the handler can answer:
 * - `repeat`: 200 for a retry of what is already done, on a route whose first answer is another;
 * - `currentStatus`: 409 naming the status of the case or payment that the action does not fit;
 * - `conflict`: 409 when concurrent changes outlast the retries or an earlier, different answer stands;
 * - `rule`: 422 for a rule of the programme or of the case, `errors` naming each field;
 * - `exportLimit`: 422 for a period holding more entries than one export;
 * - `disclosure`: 503 when the access log could not record a disclosure, so nothing was sent;
 * - `erased`: 409 when the case's personal data the route needs was erased.
 */
export type RouteAnswer = 'repeat' | 'currentStatus' | 'conflict' | 'rule' | 'exportLimit' | 'disclosure' | 'erased';

export const apiRoutes = [
  {
    method: 'POST',
    path: '/v1/referrals',
    handler: 'create-referral',
    permission: 'case.submit',
    summary: 'Submit a referral',
    body: referralRequestSchema,
    idempotencyKey: 'required',
    successStatus: 201,
    answers: ['rule'],
  },
  {
    method: 'GET',
    path: '/v1/referrals',
    handler: 'list-referrals',
    permission: 'case.read',
    summary: "The caller's cases, newest first, optionally by status",
    query: listReferralsQuerySchema,
    successStatus: 200,
  },
  {
    method: 'GET',
    path: '/v1/referrals/{id}',
    handler: 'get-referral',
    permission: 'case.read',
    summary: 'A case with its status, consent record and history (finance: without personal data)',
    successStatus: 200,
    answers: ['disclosure'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/withdraw',
    handler: 'withdraw-referral',
    permission: 'case.withdraw',
    summary: 'The person no longer wants to return (until departure; withdrawing twice is one withdrawal)',
    body: withdrawRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  // The case lifecycle after eligibility (functions/domain/case-lifecycle.ts).
  {
    method: 'POST',
    path: '/v1/referrals/{id}/accept',
    handler: 'accept-referral',
    permission: 'case.accept',
    summary: 'The receiving partner the case is offered to takes it',
    body: noteOnlyRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/decline',
    handler: 'decline-referral',
    permission: 'case.decline',
    summary: 'The receiving partner the case is offered to declines it with a reason; the assistance place is freed',
    body: declineRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/reassign',
    handler: 'reassign-referral',
    permission: 'case.reassign',
    summary: 'Offer an eligible case to another receiving partner (one in its country of origin working for its programme)',
    body: reassignRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict', 'rule'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/departure',
    handler: 'record-departure',
    permission: ['case.planDeparture', 'case.depart'],
    summary: 'The planned or actual departure; `departedOn` marks the case departed',
    body: departureRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict', 'rule'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/arrival',
    handler: 'record-arrival',
    permission: ['case.arrive', 'case.addReception'],
    summary: 'The arrival and the reception services given; schedules the monitoring visits (sent again, it adds services given since)',
    body: arrivalRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict', 'rule'],
  },
  {
    method: 'PUT',
    path: '/v1/referrals/{id}/plan',
    handler: 'draft-plan',
    permission: 'case.draftPlan',
    summary: "Submit a version of the reintegration plan: a budget per category, within the programme's limits",
    body: planRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict', 'rule'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/plan/approve',
    handler: 'approve-plan',
    permission: 'case.approvePlan',
    summary: 'Approve the plan version waiting for a decision; payments then use it',
    body: noteOnlyRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/plan/return',
    handler: 'return-plan',
    permission: 'case.returnPlan',
    summary: 'Return the plan version waiting for a decision, with a note saying why',
    body: returnPlanRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/monitoring-visits',
    handler: 'record-visit',
    permission: 'case.recordVisit',
    summary: 'A monitoring visit and its outcome (one per day: the same day again with the same outcome is a retry, 200)',
    body: visitRequestSchema,
    successStatus: 201,
    answers: ['repeat', 'currentStatus', 'conflict', 'rule'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/close',
    handler: 'close-referral',
    permission: 'case.close',
    summary: 'Close the case with an exit reason; a closed case accepts no change but reopening',
    body: closeRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/reopen',
    handler: 'reopen-referral',
    permission: 'case.reopen',
    summary: 'Reopen a closed case: it goes back to the status it had when closed',
    body: noteOnlyRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/decision',
    handler: 'decide-referral',
    permission: ['case.decideEligible', 'case.decideIneligible', 'case.decideWaitlisted'],
    summary: 'Decide a case in review (eligible or ineligible, with a note); the programme caps apply',
    body: decisionRequestSchema,
    successStatus: 200,
    answers: ['conflict'],
  },
  {
    method: 'GET',
    path: '/v1/programmes/{id}/figures',
    handler: 'programme-figures',
    permission: 'programme.readFigures',
    summary: 'Assessed, assisted, waitlisted and ineligible against the caps, by country, sex and age band; counts under 5 hidden',
    successStatus: 200,
  },
  {
    method: 'POST',
    path: '/v1/referrals/{id}/payments',
    handler: 'request-payment',
    permission: 'payment.request',
    summary:
      "Request a reintegration payment against the case's approved plan (its receiver); it is checked against the category's budget asynchronously",
    body: paymentRequestSchema,
    idempotencyKey: 'required',
    successStatus: 202,
  },
  {
    method: 'GET',
    path: '/v1/referrals/{id}/payments',
    handler: 'list-payments',
    permission: 'payment.read',
    summary: "A case's payments and the budget left per category (finance: without payee, purpose or notes)",
    query: listPaymentsQuerySchema,
    successStatus: 200,
    answers: ['disclosure'],
  },
  {
    method: 'GET',
    path: '/v1/payments/export',
    handler: 'export-payments',
    permission: 'payment.export',
    summary:
      'The payments ledger for a period (days from and to, UTC) as JSON or CSV, with control totals per currency, category and movement',
    query: exportQuerySchema,
    successStatus: 200,
    answers: ['exportLimit'],
  },
  {
    method: 'GET',
    path: '/v1/payments/{id}',
    handler: 'get-payment',
    permission: 'payment.read',
    summary: 'A payment with its steps (finance: without payee, purpose or notes)',
    successStatus: 200,
    answers: ['disclosure'],
  },
  {
    method: 'GET',
    path: '/v1/payments/{id}/transfer-instructions',
    handler: 'get-transfer-instructions',
    permission: 'payment.readTransferInstructions',
    summary:
      "What finance needs to transfer an approved payment: the payee's name and IBAN, amount, currency, case reference and remittance text (never the requester; each disclosure is recorded on the payment)",
    successStatus: 200,
    answers: ['currentStatus', 'conflict', 'disclosure', 'erased'],
  },
  {
    method: 'POST',
    path: '/v1/payments/{id}/approve',
    handler: 'approve-payment',
    permission: 'payment.approve',
    summary: 'Approve a reserved payment (four eyes: never the partner that requested it)',
    body: paymentNoteRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/payments/{id}/reject',
    handler: 'reject-payment',
    permission: 'payment.reject',
    summary: 'Reject a payment before it is disbursed, releasing its reserved amount (never the requester)',
    body: paymentRejectRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/payments/{id}/cancel',
    handler: 'cancel-payment',
    permission: 'payment.cancel',
    summary: 'Withdraw a payment request before it is disbursed (its requester or a coordinator), releasing its reserved amount',
    body: paymentNoteRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  {
    method: 'POST',
    path: '/v1/payments/{id}/disbursed',
    handler: 'record-disbursement',
    permission: 'payment.disburse',
    summary: 'Confirm that an approved payment was transferred, with the transfer reference and date (never the requester)',
    body: disbursementRequestSchema,
    successStatus: 200,
    answers: ['currentStatus', 'conflict'],
  },
  ...personalDataRoutes,
  ...webhookRoutes,
  ...documentRoutes,
  {
    method: 'GET',
    path: '/v1/health',
    handler: 'health',
    permission: 'public',
    summary: 'Whether the API is up',
    successStatus: 200,
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    handler: 'openapi',
    permission: 'public',
    summary: 'This contract as OpenAPI 3.1',
    successStatus: 200,
  },
] as const satisfies readonly ApiRoute[];

/**
 * What API Gateway runs for a request no route above matches (the template's `$default` route). It
 * answers 404 or 405 from this table (`methodsAt`), so it is no operation of the contract and the
 * OpenAPI document does not list it.
 */
export const unmatchedRoute = {
  handler: 'unmatched-route',
  summary: 'Answers a request no route matches: 404 for an unknown path, 405 with Allow for another method',
} as const;

export type RouteHandler = (typeof apiRoutes)[number]['handler'];
export type RouteKey = `${(typeof apiRoutes)[number]['method']} ${(typeof apiRoutes)[number]['path']}`;

export const routeKeyOf = (route: ApiRoute): string => `${route.method} ${route.path}`;

/** The permissions a route needs (any one of them lets a partner in), none for a public route. */
export const permissionsOf = (route: ApiRoute): readonly Permission[] => {
  if (route.permission === 'public') return [];
  return typeof route.permission === 'string' ? [route.permission] : route.permission;
};

/** The roles allowed on a route: those granted any permission it names. */
export const rolesFor = (routeKey: RouteKey): readonly Role[] => {
  const route: ApiRoute | undefined = apiRoutes.find((candidate) => routeKeyOf(candidate) === routeKey);
  if (route === undefined || route.permission === 'public') throw new Error(`${routeKey} is not a partner route`);
  return [...new Set(permissionsOf(route).flatMap(rolesGranted))];
};

/**
 * The methods the routes serve at a request path, matched as API Gateway matches an HTTP API route:
 * segment by segment and exactly (no collapsing of `//`, no trailing-slash tolerance), a `{name}`
 * segment standing for one non-empty segment. Empty when no route has the path.
 */
export const methodsAt = (path: string): Array<ApiRoute['method']> => {
  const segments = path.startsWith('/') ? path.slice(1).split('/') : [];
  const methods = apiRoutes
    .filter((route) => {
      const pattern = route.path.slice(1).split('/');
      return (
        pattern.length === segments.length &&
        pattern.every((expected, i) => (expected.startsWith('{') ? segments[i] !== '' : expected === segments[i]))
      );
    })
    .map((route) => route.method);
  return [...new Set(methods)].sort();
};
