import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStatus } from '../../events/case.ts';
import type { Role } from '../../events/primitives.ts';
import { type ApiRoute, apiRoutes, type RouteKey, routeKeyOf } from '../../events/routes.ts';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import { disbursementExample, paymentRequest } from '../../events/samples/payments.ts';
import { api, registerPartner } from '../support/api.ts';
import { placeCase } from '../support/case-setup.ts';
import { captureLogs } from '../support/harness.ts';
import { drainPaymentsQueue, givenReintegratingCase, paymentStep, requestPayment } from '../support/payments.ts';
import { expectProblem } from '../support/problem.ts';

/**
 * OWASP API Security Top 10 (2023) items that apply to the intake routes: object-level (API1),
 * authentication (API2), property-level (API3), resource consumption (API4) and function-level
 * (API5) authorization; plus withdrawal and consent rules.
 */
const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { PartnerRepository } = await import('../../functions/adapters/partner-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { createPartner, rotatePartnerKey, setPartnerStatus, listPartners } = await import('../../infra/ops/partner-admin.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!);
const partnersTable = new PartnerRepository(documentClient, process.env.PARTNERS_TABLE_NAME!);

type Partner = Awaited<ReturnType<typeof registerPartner>>;
const partners = {} as Record<
  'referrer' | 'otherReferrer' | 'receiver' | 'otherReceiver' | 'spareReceiver' | 'coordinator' | 'finance',
  Partner
>;
const byRole = (role: Role): Partner =>
  ({ referrer: partners.referrer, receiver: partners.receiver, coordinator: partners.coordinator, finance: partners.finance })[role];

const submit = (partner: Partner, body: unknown = tactReferral()) => api.call('POST /v1/referrals', { key: partner.key, body });

const read = (partner: Partner | { key: string }, id: string) => api.call('GET /v1/referrals/{id}', { key: partner.key, id });

const withdraw = (partner: Partner, id: string, body: unknown = { reason: 'changed_mind' }) =>
  api.call('POST /v1/referrals/{id}/withdraw', { key: partner.key, id, body });

const list = (partner: Partner, query = '') => api.call('GET /v1/referrals', { key: partner.key, query });

/** Puts a case where a test starts (test setup, bypassing places), with records beside it. */
const moveCase = (id: string, changes: Record<string, unknown>, records: Array<{ sk: string } & Record<string, unknown>> = []) =>
  placeCase(id, changes, records);

/**
 * What each route needs to succeed for a role allowed to call it: the case in a status where the
 * action fits (after the default move to eligible and offered to the receiver), and a body.
 */
const today = new Date().toISOString().slice(0, 10);
const samples = lifecycleSamples(today);
const submittedPlan = (caseId: string): CaseExtras => ({
  changes: { planVersion: 1, planStatus: 'submitted' },
  records: [
    {
      sk: 'PLAN#000001',
      caseId,
      version: 1,
      status: 'submitted',
      currency: 'EUR',
      items: [{ category: 'medical', amount: 1000 }],
      draftedAt: new Date().toISOString(),
      draftedBy: 'test-setup',
    },
  ],
});
type CaseExtras = { changes: Record<string, unknown>; records: Array<{ sk: string } & Record<string, unknown>> };
const routeSetups: Record<
  string,
  { status?: CaseStatus; body: () => unknown; extra?: (caseId: string) => CaseExtras; pathId?: string; query?: string }
> = {
  'create-referral': { body: () => tactReferral() },
  'decide-referral': { status: 'needs_review', body: () => ({ outcome: 'ineligible', note: 'Checked by the route matrix.' }) },
  'programme-figures': { body: () => undefined, pathId: 'TACT' },
  'withdraw-referral': { body: () => ({ reason: 'other' }) },
  'accept-referral': { body: () => samples.accept },
  'decline-referral': { body: () => samples.decline },
  'reassign-referral': { body: () => ({ receiverId: partners.spareReceiver.partnerId }) },
  'record-departure': { status: 'accepted', body: () => samples.departure },
  'record-arrival': { status: 'departed', body: () => samples.arrival },
  'draft-plan': { status: 'arrived', body: () => samples.plan },
  'approve-plan': { status: 'arrived', body: () => samples.approvePlan, extra: submittedPlan },
  'return-plan': { status: 'arrived', body: () => samples.returnPlan, extra: submittedPlan },
  'record-visit': { status: 'monitoring', body: () => samples.visit },
  'close-referral': { status: 'monitoring', body: () => samples.close },
  'reopen-referral': {
    status: 'closed',
    body: () => samples.reopen,
    extra: () => ({
      changes: {
        closure: { exitReason: 'other', closedAt: new Date().toISOString(), closedBy: 'test-setup', statusBeforeClosure: 'monitoring' },
      },
      records: [],
    }),
  },
  'request-payment': { body: () => paymentRequest() },
  'list-payments': { body: () => undefined },
  'export-payments': { body: () => undefined, query: `from=${today}&to=${today}` },
  'get-payment': { body: () => undefined },
  'get-transfer-instructions': { body: () => undefined },
  'approve-payment': { body: () => ({}) },
  'reject-payment': { body: () => ({ reason: 'missing_documents' }) },
  'cancel-payment': { body: () => ({}) },
  'record-disbursement': { body: () => disbursementExample(today) },
};

let assignedCase: string;

beforeAll(async () => {
  const entries = await Promise.all(
    [
      ['referrer', registerPartner(['referrer'], 'FR')],
      ['otherReferrer', registerPartner(['referrer'], 'ES')],
      ['receiver', registerPartner(['receiver'], 'AL')],
      ['otherReceiver', registerPartner(['receiver'], 'AL')],
      ['spareReceiver', registerPartner(['receiver'], 'AL')],
      ['coordinator', registerPartner(['coordinator'], 'FR')],
      ['finance', registerPartner(['finance'], 'FR')],
    ].map(async ([name, partner]) => [name, await partner] as const)
  );
  Object.assign(partners, Object.fromEntries(entries));
  assignedCase = (await submit(partners.referrer)).body.id;
  await moveCase(assignedCase, { status: 'eligible', receiverId: partners.receiver.partnerId });
});

describe('API5 function-level authorization: every partner route × every role', () => {
  const partnerRoutes = apiRoutes.filter((route): route is Extract<typeof route, { roles: readonly Role[] }> => route.roles !== 'public');
  const cells = partnerRoutes.flatMap((route) =>
    (['referrer', 'receiver', 'coordinator', 'finance'] as const).map((role) => [routeKeyOf(route), role, route] as const)
  );

  /**
   * What `{id}` names: what the route's setup says (a programme), a payment on `/v1/payments/{id}`
   * routes (requested by the receiver, reserved, and approved by the coordinator where the route
   * needs it: the disbursement and the transfer instructions), a case elsewhere (reintegrating with an approved plan for its payment routes, put in
   * the status the route's setup needs otherwise).
   */
  const pathIdFor = async (route: ApiRoute): Promise<string> => {
    const setup = routeSetups[route.handler];
    if (setup?.pathId !== undefined) return setup.pathId;
    if (route.path.startsWith('/v1/payments/{id}')) {
      const caseId = await givenReintegratingCase({ referrer: partners.referrer, receiver: partners.receiver });
      const requested = await requestPayment(partners.receiver, caseId, paymentRequest());
      await drainPaymentsQueue();
      if (route.handler === 'record-disbursement' || route.handler === 'get-transfer-instructions') {
        expect((await paymentStep(partners.coordinator, 'approve', requested.body.id)).status).toBe(200);
      }
      return requested.body.id;
    }
    if (route.path.startsWith('/v1/referrals/{id}/payments')) {
      return givenReintegratingCase({ referrer: partners.referrer, receiver: partners.receiver });
    }
    const caseId = (await submit(partners.referrer)).body.id;
    const extra = setup?.extra?.(caseId);
    await moveCase(
      caseId,
      { status: setup?.status ?? 'eligible', receiverId: partners.receiver.partnerId, ...extra?.changes },
      extra?.records
    );
    return caseId;
  };

  it.each(cells)('%s as %s', async (_key, role, route: ApiRoute) => {
    const setup = routeSetups[route.handler];
    const id = route.path.includes('{id}') ? await pathIdFor(route) : undefined;
    const body = setup?.body();
    const response = await api.call(routeKeyOf(route) as RouteKey, {
      key: byRole(role).key,
      id,
      query: setup?.query,
      body,
      // Only the routes that require one get an Idempotency-Key: the matrix is about roles.
      headers: { 'Idempotency-Key': route.idempotencyKey === 'required' ? randomUUID() : undefined },
    });
    if ((route.roles as readonly Role[]).includes(role)) {
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

describe('API2 authentication', () => {
  it('a rotated key stops working and the new one works', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-lyon-${randomUUID().slice(0, 6)}`,
      name: 'NGO Lyon',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-lyon.example.org'],
    });
    expect((await list({ key: created.key } as Partner)).status).toBe(200);
    const rotated = await rotatePartnerKey(partnersTable, created.partnerId);
    expectProblem(await list({ key: created.key } as Partner), 401);
    expect((await list({ key: rotated.key } as Partner)).status).toBe(200);
    const stored = (await listPartners(partnersTable)).find((partner) => partner.partnerId === created.partnerId);
    expect(JSON.stringify(stored)).not.toContain(rotated.key);
    expect(stored).not.toHaveProperty('keyHash');
  });

  it('a disabled partner is refused, and enabled again it is let in', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-nice-${randomUUID().slice(0, 6)}`,
      name: 'NGO Nice',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-nice.example.org'],
    });
    await setPartnerStatus(partnersTable, created.partnerId, 'disabled');
    expectProblem(await list({ key: created.key } as Partner), 401);
    await setPartnerStatus(partnersTable, created.partnerId, 'active');
    expect((await list({ key: created.key } as Partner)).status).toBe(200);
  });

  it('a key is never stored in clear', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-lille-${randomUUID().slice(0, 6)}`,
      name: 'NGO Lille',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-lille.example.org'],
    });
    const stored = await partnersTable.get(created.partnerId);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(4));
  });

  it('onboarding refuses an invalid partner with the field named', async () => {
    await expect(
      createPartner(partnersTable, {
        partnerId: 'ngo-x',
        name: 'X',
        roles: ['referrer'],
        country: 'XX',
        language: 'fr',
        emails: ['a@b.example'],
      })
    ).rejects.toThrow(/country/);
  });
});

describe('API4 resource consumption', () => {
  it.each(['limit=201', 'limit=0', 'limit=-1', 'limit=ten'])('%s is 400', async (queryString) => {
    const response = await list(partners.referrer, queryString);
    expectProblem(response, 400);
    expect(response.body.errors[0].path).toBe('query.limit');
  });

  it('pages through a list with an opaque cursor that only works for its own list', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    for (let index = 0; index < 3; index += 1) await submit(referrer);
    const first = await list(referrer, 'limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.cursor).toEqual(expect.any(String));
    const second = await list(referrer, `limit=2&cursor=${first.body.cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.cursor).toBeUndefined();
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(3);

    const foreign = await list(partners.otherReferrer, `cursor=${first.body.cursor}`);
    expectProblem(foreign, 400);
    expectProblem(await list(referrer, 'cursor=bm90LWEtY3Vyc29y'), 400);
  });

  it('filters by status', async () => {
    const response = await list(partners.coordinator, 'status=eligible');
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeGreaterThan(0);
    expect(response.body.items.every((item: { status: string }) => item.status === 'eligible')).toBe(true);
    expectProblem(await list(partners.coordinator, 'status=lost'), 400);
  });
});

describe('withdrawal', () => {
  it('withdraws once, records why in the consent record and the history, and a second withdrawal changes nothing', async () => {
    const id = (await submit(partners.referrer)).body.id;
    const first = await withdraw(partners.referrer, id, { reason: 'safety', note: 'Threats from the network in the home town.' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('withdrawn');
    const second = await withdraw(partners.referrer, id, { reason: 'other' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('withdrawn');

    const view = (await read(partners.referrer, id)).body;
    expect(view.history.filter((entry: { action: string }) => entry.action === 'withdrawn')).toEqual([
      expect.objectContaining({ by: partners.referrer.partnerId, fromStatus: 'submitted', toStatus: 'withdrawn', reason: 'safety' }),
    ]);
    expect(view.consent).toMatchObject({ voluntaryReturn: true, withdrawnBy: partners.referrer.partnerId, withdrawalReason: 'safety' });
    expect(view.notes).toEqual([expect.objectContaining({ text: 'Threats from the network in the home town.' })]);
    expect(JSON.stringify(view.history)).not.toContain('Threats');
  });

  it('the coordinator may withdraw any case; the assigned receiver may not', async () => {
    const id = (await submit(partners.referrer)).body.id;
    await moveCase(id, { status: 'eligible', receiverId: partners.receiver.partnerId });
    expectProblem(await withdraw(partners.receiver, id), 403);
    expect((await withdraw(partners.coordinator, id)).status).toBe(200);
  });

  it.each(['departed', 'arrived', 'closed'])('after departure (%s) it is refused with the current status named', async (status) => {
    const id = (await submit(partners.referrer)).body.id;
    await moveCase(id, { status });
    const response = await withdraw(partners.referrer, id);
    expectProblem(response, 409);
    expect(response.body.currentStatus).toBe(status);
    expect((await cases.get(id))!.case.status).toBe(status);
  });

  it('concurrent withdrawals make one withdrawal', async () => {
    const id = (await submit(partners.referrer)).body.id;
    const responses = await Promise.all(Array.from({ length: 5 }, () => withdraw(partners.referrer, id)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const { history } = (await cases.get(id))!;
    expect(history.filter((entry) => entry.action === 'withdrawn')).toHaveLength(1);
  });

  it('a bad reason is 400', async () => {
    const id = (await submit(partners.referrer)).body.id;
    const response = await withdraw(partners.referrer, id, { reason: 'bored' });
    expectProblem(response, 400);
    expect(response.body.errors[0].path).toBe('reason');
  });
});

describe('consent and the round trip', () => {
  it('the documented example body (events/samples) round-trips every field', async () => {
    const body: Record<string, any> = {
      ...tactReferral(),
      minor: {
        bestInterestsDetermination: { completedOn: '2026-10-20', returnInBestInterests: true },
        guardianConsent: true,
        escortRequired: true,
      },
      needs: ['medical', 'housing', 'childcare', 'training', 'job_placement', 'business_startup'],
    };
    const created = await submit(partners.referrer, body);
    expect(created.status).toBe(201);
    const view = (await read(partners.referrer, created.body.id)).body;
    expect(view).toMatchObject({ ...body, consent: { ...body.consent, givenBy: 'person' } });
  });

  it('a referral without consent to return is refused and nothing is stored', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const response = await submit(referrer, {
      ...tactReferral(),
      consent: { voluntaryReturn: false, dataSharing: true, givenOn: '2026-11-02' },
    });
    expectProblem(response, 422);
    expect(response.body.errors).toEqual([{ path: 'consent.voluntaryReturn', message: 'must be true' }]);
    expect((await list(referrer)).body.items).toEqual([]);
  });

  it("without consent to data sharing it is accepted; a minor's consent is recorded as the guardian's", async () => {
    const created = await submit(partners.referrer, careMinorReferral());
    expect(created.status).toBe(201);
    const view = (await read(partners.referrer, created.body.id)).body;
    expect(view.consent).toEqual({ voluntaryReturn: true, dataSharing: false, givenOn: '2026-11-10', givenBy: 'guardian' });
  });
});

describe('public routes', () => {
  it('health answers without a key', async () => {
    const response = await api.call('GET /v1/health');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('the OpenAPI document is served', async () => {
    const response = await api.call('GET /v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expect(text).toContain('referral withdrawn');
  for (const sample of [tactReferral(), careMinorReferral()]) {
    for (const value of [
      sample.person.givenName,
      sample.person.familyName,
      sample.person.dateOfBirth,
      sample.person.phone,
      'Threats from the network',
    ]) {
      if (value !== undefined) expect(text).not.toContain(value);
    }
  }
});
