import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { PlanRequest } from '../../../events/plan.ts';
import type { LocalStack } from '../../../infra/local/local-stack.ts';
import { waitFor } from '../../support/harness.ts';
import type { Json } from '../../support/json.ts';

/**
 * A case's way through the local stack as its partners take it, over HTTP with the demo partners'
 * keys: only the real routes and the running stream consumers move it, nothing is written to the
 * tables directly. The path test drives it step by step; `approvePlanThroughRoutes` is the whole way
 * from a submitted case to an approved plan, for tests that start there (payments).
 */

export interface ApiResponse {
  status: number;
  body: Json;
}

export type PartnerCall = (partnerId: string, method: string, path: string, body?: unknown) => Promise<ApiResponse>;

/** Calls the stack's HTTP API as a demo partner; a request with a body carries a fresh Idempotency-Key. */
export const partnerApi =
  (stack: LocalStack): PartnerCall =>
  async (partnerId, method, path, body) => {
    const partner = stack.partners.find((candidate) => candidate.id === partnerId);
    if (partner === undefined) throw new Error(`no demo partner ${partnerId}`);
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${partner.key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

/** The body of a response that has the expected status; otherwise the failure shows the problem document. */
export const expectOk = (response: ApiResponse, status = 200): Json => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
};

/** `YYYY-MM-DD`, `days` from today (UTC; negative for the past). */
export const dayFromToday = (days: number): string => {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
};

/**
 * The case as `partnerId` sees it once the platform has taken it past submission: the eligibility
 * engine and the offer consumer run from the cases stream. It returns as soon as the case is no
 * longer waiting on them (an eligible case waits for its offer), so a case sent to review or found
 * ineligible shows up in the caller's assertion, not as a time-out.
 */
export const waitForPlatform = (call: PartnerCall, partnerId: string, caseId: string): Promise<Json> =>
  waitFor(
    async () => {
      const { body } = await call(partnerId, 'GET', `/v1/referrals/${caseId}`);
      const waiting = body.status === 'submitted' || (body.status === 'eligible' && body.receiverId === undefined);
      return !waiting && body;
    },
    // The stream is polled and the engine and the offer run in turn on a shared, slow machine.
    { timeoutMs: 60_000, intervalMs: 250, description: `case ${caseId} assessed and offered by the platform` }
  );

export interface PlanApprovalOptions {
  plan: PlanRequest;
  referrerId?: string;
  receiverId?: string;
  coordinatorId?: string;
  /** Departure and arrival day; today unless given. */
  travelledOn?: string;
}

/**
 * From a submitted case to an approved plan through the routes: the platform assesses and offers
 * it, the receiver accepts, the referrer records the departure, the receiver the arrival and the
 * plan, the coordinator approves it. Returns the approved plan as the approval answered it.
 */
export const approvePlanThroughRoutes = async (stack: LocalStack, caseId: string, options: PlanApprovalOptions): Promise<Json> => {
  const call = partnerApi(stack);
  const { plan, referrerId = 'demo-referrer-fr', receiverId = 'demo-receiver-al', coordinatorId = 'demo-coordinator' } = options;
  const travelledOn = options.travelledOn ?? dayFromToday(0);
  const offered = await waitForPlatform(call, referrerId, caseId);
  expect(offered).toMatchObject({ status: 'eligible', receiverId });
  const path = `/v1/referrals/${caseId}`;
  expectOk(await call(receiverId, 'POST', `${path}/accept`, {}));
  expectOk(await call(referrerId, 'POST', `${path}/departure`, { departedOn: travelledOn, escorted: false }));
  expectOk(
    await call(receiverId, 'POST', `${path}/arrival`, {
      arrivedOn: travelledOn,
      reception: [{ service: 'airport_reception', providedOn: travelledOn }],
    })
  );
  expectOk(await call(receiverId, 'PUT', `${path}/plan`, plan));
  return expectOk(await call(coordinatorId, 'POST', `${path}/plan/approve`, {}));
};
