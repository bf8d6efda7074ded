import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Role } from '../../events/primitives.ts';
import { type ApiRoute, apiRoutes, type RouteKey, rolesFor, routeKeyOf } from '../../events/routes.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { paymentRequest } from '../../events/samples/payments.ts';
import { api } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { assignedCase, byRole, list, moveCase, partners, read, routeSetups, submit, withdraw } from '../support/partner-access.ts';
import { drainPaymentsQueue, givenReintegratingCase, paymentStep, requestPayment } from '../support/payments.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

/**
 * OWASP API Security Top 10 (2023) items that apply to the intake routes: object-level (API1),
 * authentication (API2), property-level (API3), resource consumption (API4) and function-level
 * (API5) authorization; plus withdrawal and consent rules.
 */
const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

describe('API5 function-level authorization: every partner route × every role', () => {
  const partnerRoutes = apiRoutes.filter((route) => route.permission !== 'public');
  const cells = partnerRoutes.flatMap((route) =>
    (['referrer', 'receiver', 'coordinator', 'finance'] as const).map((role) => [routeKeyOf(route), role, route] as const)
  );

  /**
   * What `{id}` names: what the route's setup says (a programme), a payment on `/v1/payments/{id}`
   * routes (requested by the receiver, reserved, and approved by the coordinator where the route
   * needs it: the disbursement and the transfer instructions), a case elsewhere (reintegrating with an approved plan for its payment routes, put in
   * the status the route's setup needs otherwise).
   */
  const pathIdFor = async (route: ApiRoute, role: Role): Promise<{ id: string; deliveryId?: string }> => {
    const setup = routeSetups[route.handler];
    if (setup?.pathId !== undefined) return { id: setup.pathId };
    // A webhook is its partner's own: each role's partner registers one (and pings it, for a delivery).
    if (route.path.startsWith('/v1/webhooks/{id}')) {
      const key = byRole(role).key;
      const registered = await api.call('POST /v1/webhooks', { key, body: routeSetups['register-webhook']!.body() });
      expect(registered.status, registered.raw).toBe(201);
      const id = registered.body.id as string;
      if (!route.path.includes('{deliveryId}')) return { id };
      const pinged = await api.call('POST /v1/webhooks/{id}/ping', { key, id });
      expect(pinged.status, pinged.raw).toBe(202);
      return { id, deliveryId: pinged.body.id as string };
    }
    if (route.path.startsWith('/v1/payments/{id}')) {
      const caseId = await givenReintegratingCase({ referrer: partners.referrer, receiver: partners.receiver });
      const requested = await requestPayment(partners.receiver, caseId, paymentRequest());
      await drainPaymentsQueue();
      if (route.handler === 'record-disbursement' || route.handler === 'get-transfer-instructions') {
        expect((await paymentStep(partners.coordinator, 'approve', requested.body.id)).status).toBe(200);
      }
      return { id: requested.body.id };
    }
    if (route.path.startsWith('/v1/referrals/{id}/payments')) {
      return { id: await givenReintegratingCase({ referrer: partners.referrer, receiver: partners.receiver }) };
    }
    const caseId = (await submit(partners.referrer)).body.id;
    const extra = setup?.extra?.(caseId);
    await moveCase(
      caseId,
      { status: setup?.status ?? 'eligible', receiverId: partners.receiver.partnerId, ...extra?.changes },
      extra?.records
    );
    return { id: caseId };
  };

  it.each(cells)('%s as %s', async (_key, role, route: ApiRoute) => {
    const setup = routeSetups[route.handler];
    const path = route.path.includes('{id}') ? await pathIdFor(route, role) : undefined;
    const body = setup?.body();
    const response = await api.call(routeKeyOf(route) as RouteKey, {
      key: byRole(role).key,
      id: path?.id,
      deliveryId: path?.deliveryId,
      query: setup?.query,
      body,
      // Only the routes that require one get an Idempotency-Key: the matrix is about roles.
      headers: { 'Idempotency-Key': route.idempotencyKey === 'required' ? randomUUID() : undefined },
    });
    if (rolesFor(routeKeyOf(route) as RouteKey).includes(role) && setup?.objectDecides) {
      expect([route.successStatus, 404], response.raw).toContain(response.status);
    } else if (rolesFor(routeKeyOf(route) as RouteKey).includes(role)) {
      expect(response.status).toBe(route.successStatus);
    } else {
      expectProblem(response, 403);
    }
  });
});

describe('API1 object-level authorization', () => {
  it('another referrer, an unassigned receiver and an unknown id all get the same 404', async () => {
    const responses = [
      await read(partners.otherReferrer, assignedCase),
      await read(partners.otherReceiver, assignedCase),
      await read(partners.otherReferrer, randomUUID()),
    ];
    for (const response of responses) expectProblem(response, 404);
    expect(new Set(responses.map((response) => response.raw)).size).toBe(1);
  });

  it('the referrer, the assigned receiver and the coordinator see the case with the person', async () => {
    for (const partner of [partners.referrer, partners.receiver, partners.coordinator]) {
      const response = await read(partner, assignedCase);
      expect(response.status).toBe(200);
      expect(response.body.person.familyName).toBe(tactReferral().person.familyName);
    }
  });

  it("another referrer cannot withdraw someone else's case: 404, and the case is untouched", async () => {
    expectProblem(await withdraw(partners.otherReferrer, assignedCase), 404);
    expect((await cases.get(assignedCase))!.case.status).toBe('eligible');
  });

  it("lists hold only the caller's cases", async () => {
    const response = await list(partners.otherReferrer);
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: { id: string }) => item.id)).not.toContain(assignedCase);
    // The route matrix above offers its cases to this receiver too: one page of 200 holds them all.
    const receiverList = await list(partners.receiver, 'limit=200');
    expect(receiverList.body.items.map((item: { id: string }) => item.id)).toContain(assignedCase);
    const otherReceiverList = await list(partners.otherReceiver);
    expect(otherReceiverList.body.items).toEqual([]);
  });
});

describe('API3 property-level authorization', () => {
  it.each([
    ['status', 'eligible'],
    ['id', randomUUID()],
    ['referrerId', 'someone-else'],
    ['reference', 'TACT-FR-000001'],
  ])('a server-owned field (%s) in the body is refused', async (field, value) => {
    const response = await submit(partners.referrer, { ...tactReferral(), [field]: value });
    expectProblem(response, 400);
    expect(response.body.errors).toContainEqual({ path: field, message: 'is not a known field' });
  });

  it('finance sees the case without any personal data', async () => {
    const response = await read(partners.finance, assignedCase);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(
      ['createdAt', 'history', 'hostCountry', 'id', 'originCountry', 'programmeId', 'receiverId', 'reference', 'status', 'updatedAt'].sort()
    );
    const sample = tactReferral();
    for (const value of [
      sample.person.givenName,
      sample.person.familyName,
      sample.person.dateOfBirth,
      sample.person.phone,
      sample.destinationLocality,
    ]) {
      expect(response.raw).not.toContain(value);
    }
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expectLogsFreeOfSamples(text, ['Threats from the network']);
});
