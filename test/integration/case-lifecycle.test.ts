import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import { visitSk } from '../../events/lifecycle.ts';
import { notificationMessageSchema } from '../../events/notification.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import type { RouteKey } from '../../events/routes.ts';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import { addDays } from '../../functions/domain/dates.ts';
import { api, type Response, registerPartner } from '../support/api.ts';
import { placeCase } from '../support/case-setup.ts';
import { captureLogs, waitFor } from '../support/harness.ts';
import { emailsAbout, type StoredEmail, toAndSubject } from '../support/inbox.ts';
import { dayFromToday, drainNotifications, platform } from '../support/lifecycle.ts';
import { expectProblem } from '../support/problem.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { ReminderRepository } = await import('../../functions/adapters/reminder-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { handler: mailer } = await import('../../functions/mailer.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!);
const notifications = queuePoller('NotificationsQueue');

type Partner = Awaited<ReturnType<typeof registerPartner>>;
let referrer: Partner;
let receiver: Partner;
let otherReceiver: Partner;
let coordinator: Partner;

beforeAll(async () => {
  [referrer, receiver, otherReceiver, coordinator] = await Promise.all([
    registerPartner(['referrer'], 'FR'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['coordinator'], 'FR'),
  ]);
});

const today = dayFromToday(0);
const samples = lifecycleSamples(today);
/** The cases here are TACT cases: what arrival schedules follows TACT's data file. */
const { monitoring: tactMonitoring } = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']);

const submit = async (body: unknown = tactReferral()): Promise<string> => {
  const response = await api.call('POST /v1/referrals', { key: referrer.key, body });
  expect(response.status).toBe(201);
  return response.body.id;
};

/** Puts a case where a test needs it, as the other lifecycle steps would have left it. */
const moveCase = placeCase;

/** A case offered to `receiver` and accepted, through the routes. */
const acceptedCase = async (body: unknown = tactReferral()): Promise<string> => {
  const id = await submit(body);
  await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
  expect((await api.call('POST /v1/referrals/{id}/accept', { key: receiver.key, id, body: {} })).status).toBe(200);
  return id;
};

/** A case that arrived `daysAgo` days ago, through the routes. */
const arrivedCase = async (daysAgo = 0): Promise<string> => {
  const id = await acceptedCase();
  expect(
    (await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: dayFromToday(-daysAgo) } })).status
  ).toBe(200);
  const arrival = { arrivedOn: dayFromToday(-daysAgo), reception: [{ service: 'airport_reception', providedOn: dayFromToday(-daysAgo) }] };
  expect((await api.call('POST /v1/referrals/{id}/arrival', { key: receiver.key, id, body: arrival })).status).toBe(200);
  return id;
};

const read = async (id: string, key = coordinator.key) => (await api.call('GET /v1/referrals/{id}', { key, id })).body;

describe('every lifecycle route refuses a case in a status it does not fit: 409 naming the status', () => {
  /** For each route: the statuses in which it acts (or answers a retry), the caller and the body. */
  const routes: Array<{ routeKey: RouteKey; acts: CaseStatus[]; caller: () => Partner; body: () => unknown }> = [
    { routeKey: 'POST /v1/referrals/{id}/accept', acts: ['eligible', 'accepted'], caller: () => receiver, body: () => samples.accept },
    { routeKey: 'POST /v1/referrals/{id}/decline', acts: ['eligible', 'declined'], caller: () => receiver, body: () => samples.decline },
    {
      routeKey: 'POST /v1/referrals/{id}/reassign',
      acts: ['eligible'],
      caller: () => coordinator,
      body: () => ({ receiverId: otherReceiver.partnerId }),
    },
    { routeKey: 'POST /v1/referrals/{id}/departure', acts: ['accepted'], caller: () => referrer, body: () => samples.departure },
    {
      routeKey: 'POST /v1/referrals/{id}/arrival',
      acts: ['departed', 'arrived', 'reintegrating', 'monitoring'],
      caller: () => receiver,
      body: () => samples.arrival,
    },
    {
      routeKey: 'PUT /v1/referrals/{id}/plan',
      acts: ['arrived', 'reintegrating', 'monitoring'],
      caller: () => receiver,
      body: () => samples.plan,
    },
    {
      routeKey: 'POST /v1/referrals/{id}/plan/approve',
      acts: ['arrived', 'reintegrating', 'monitoring'],
      caller: () => coordinator,
      body: () => samples.approvePlan,
    },
    {
      routeKey: 'POST /v1/referrals/{id}/plan/return',
      acts: ['arrived', 'reintegrating', 'monitoring'],
      caller: () => coordinator,
      body: () => samples.returnPlan,
    },
    {
      routeKey: 'POST /v1/referrals/{id}/monitoring-visits',
      acts: ['arrived', 'reintegrating', 'monitoring'],
      caller: () => receiver,
      body: () => samples.visit,
    },
    {
      routeKey: 'POST /v1/referrals/{id}/close',
      acts: ['departed', 'arrived', 'reintegrating', 'monitoring'],
      caller: () => coordinator,
      body: () => samples.close,
    },
    { routeKey: 'POST /v1/referrals/{id}/reopen', acts: ['closed'], caller: () => coordinator, body: () => samples.reopen },
  ];
  const caseIn = {} as Record<CaseStatus, string>;

  beforeAll(async () => {
    for (const status of caseStatuses) {
      const id = await submit();
      // A plan waiting and an arrival on record, so that only the status stands in the way.
      await moveCase(
        id,
        {
          status,
          receiverId: receiver.partnerId,
          planVersion: 1,
          planStatus: 'submitted',
          arrival: { arrivedOn: dayFromToday(-1), reception: [] },
          closure: { exitReason: 'other', closedAt: new Date().toISOString(), closedBy: 'test-setup', statusBeforeClosure: 'monitoring' },
        },
        [
          {
            sk: 'PLAN#000001',
            caseId: id,
            version: 1,
            status: 'submitted',
            currency: 'EUR',
            items: [{ category: 'medical', amount: 100 }],
            draftedAt: new Date().toISOString(),
            draftedBy: 'test-setup',
          },
        ]
      );
      caseIn[status] = id;
    }
  });

  const cells = routes.flatMap((route) =>
    caseStatuses.filter((status) => !route.acts.includes(status)).map((status) => [route.routeKey, status, route] as const)
  );
  it.each(cells)('%s in %s', async (routeKey, status, route) => {
    const id = caseIn[status];
    const before = (await cases.get(id))!.case.version;
    const problem = expectProblem(await api.call(routeKey, { key: route.caller().key, id, body: route.body() }), 409);
    expect(problem).toMatchObject({ status: 409, currentStatus: status, detail: expect.stringContaining(`The case is ${status}`) });
    expect((await cases.get(id))!.case.version).toBe(before);
  });
});

describe('role restrictions inside a case', () => {
  it('a partner that is both referrer and receiver cannot accept its own referral as its referrer: 403', async () => {
    const both = await registerPartner(['referrer', 'receiver'], 'FR');
    const created = await api.call('POST /v1/referrals', { key: both.key, body: tactReferral() });
    await moveCase(created.body.id, { status: 'eligible', receiverId: receiver.partnerId });
    const problem = expectProblem(await api.call('POST /v1/referrals/{id}/accept', { key: both.key, id: created.body.id, body: {} }), 403);
    expect(problem.detail).toMatch(/receiving partner the case is offered to/);
  });

  it('a receiver the case is not offered to gets 404, as if it did not exist', async () => {
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    expectProblem(await api.call('POST /v1/referrals/{id}/accept', { key: otherReceiver.key, id, body: {} }), 404);
  });

  it('a coordinator who also drafted the plan cannot approve it: 403', async () => {
    const both = await registerPartner(['receiver', 'coordinator'], 'AL');
    const id = await submit();
    await moveCase(id, {
      status: 'arrived',
      receiverId: both.partnerId,
      arrival: { arrivedOn: today, reception: [] },
      planDueOn: dayFromToday(30),
    });
    expect((await api.call('PUT /v1/referrals/{id}/plan', { key: both.key, id, body: samples.plan })).status).toBe(200);
    expectProblem(await api.call('POST /v1/referrals/{id}/plan/approve', { key: both.key, id, body: {} }), 403);
    expect((await api.call('POST /v1/referrals/{id}/plan/approve', { key: coordinator.key, id, body: {} })).status).toBe(200);
  });
});

describe('offer', () => {
  it('a case becoming eligible is offered once to the registered receiver, even when the records come twice', async () => {
    const ukraine = await registerPartner(['receiver'], 'UA', 'active', { programmes: ['TACT'] });
    await registerPartner(['receiver'], 'UA', 'active', { programmes: ['CARE'] });
    const stream = await platform.followCaseStream();
    const id = await submit({ ...tactReferral(), originCountry: 'UA' });
    await platform.assessEligible(id);
    const delivered = await stream.deliverToOfferConsumer();
    expect(delivered.map((record) => record.dynamodb?.NewImage?.caseId?.S)).toContain(id);
    const { handler } = await import('../../functions/offer-referral.ts');
    const { lambdaContext } = await import('../../events/samples/http-api.ts');
    // The same records again, as Lambda redelivers after a partial failure.
    expect(await handler({ Records: delivered }, lambdaContext('OfferReferral'))).toEqual({ batchItemFailures: [] });
    // The offer's own write is not a case becoming eligible: the filter lets it through, the consumer skips it.
    await stream.deliverToOfferConsumer();
    stream.close();
    const { case: offered, history } = (await cases.get(id))!;
    expect(offered).toMatchObject({ status: 'eligible', receiverId: ukraine.partnerId });
    expect(history.filter((entry) => entry.action === 'offered')).toEqual([
      expect.objectContaining({ by: 'system', subject: ukraine.partnerId }),
    ]);
  });

  it('without a registered receiver the case stays eligible for the coordinator, and the history says so once', async () => {
    const stream = await platform.followCaseStream();
    const id = await submit({ ...tactReferral(), originCountry: 'MA' });
    await platform.assessEligible(id);
    await stream.deliverToOfferConsumer();
    await stream.deliverToOfferConsumer();
    stream.close();
    const { case: stored, history } = (await cases.get(id))!;
    expect(stored.receiverId).toBeUndefined();
    expect(history.filter((entry) => entry.action === 'offer_unmatched')).toEqual([
      expect.objectContaining({ by: 'system', reason: 'NO_RECEIVER_REGISTERED', toStatus: 'eligible' }),
    ]);

    const morocco = await registerPartner(['receiver'], 'MA');
    const reassigned = await api.call('POST /v1/referrals/{id}/reassign', {
      key: coordinator.key,
      id,
      body: { receiverId: morocco.partnerId },
    });
    expect(reassigned.status).toBe(200);
    expect((await cases.get(id))!.case.receiverId).toBe(morocco.partnerId);
  });

  it('a reassignment moves the case to the new receiver; the previous one no longer sees it', async () => {
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    const body = { receiverId: otherReceiver.partnerId, note: 'The other office covers the district.' };
    expect((await api.call('POST /v1/referrals/{id}/reassign', { key: coordinator.key, id, body })).status).toBe(200);
    expect((await api.call('POST /v1/referrals/{id}/reassign', { key: coordinator.key, id, body })).status).toBe(200);
    expectProblem(await api.call('GET /v1/referrals/{id}', { key: receiver.key, id }), 404);
    expect((await api.call('POST /v1/referrals/{id}/accept', { key: otherReceiver.key, id, body: {} })).status).toBe(200);
    expect((await cases.get(id))!.history.filter((entry) => entry.action === 'reassigned')).toHaveLength(1);
  });

  it.each([
    ['a referrer', async () => referrer.partnerId],
    ['a receiver in another country', async () => (await registerPartner(['receiver'], 'UA')).partnerId],
    ['a disabled receiver', async () => (await registerPartner(['receiver'], 'AL', 'disabled')).partnerId],
    [
      'a receiver working for another programme',
      async () => (await registerPartner(['receiver'], 'AL', 'active', { programmes: ['CARE'] })).partnerId,
    ],
    ['a partner that does not exist', async () => 'nobody-here'],
  ])('a reassignment to %s is refused: 422 naming receiverId', async (_label, receiverId) => {
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    const body = { receiverId: await receiverId() };
    const problem = expectProblem(await api.call('POST /v1/referrals/{id}/reassign', { key: coordinator.key, id, body }), 422);
    expect(problem.errors).toEqual([{ path: 'receiverId', message: expect.any(String) }]);
  });

  it('a decline records its reason in the history and its note beside it; a retry changes nothing', async () => {
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    const body = { reason: 'no_capacity', note: 'Our shelter is full until spring.' };
    expect((await api.call('POST /v1/referrals/{id}/decline', { key: receiver.key, id, body })).body.status).toBe('declined');
    expect((await api.call('POST /v1/referrals/{id}/decline', { key: receiver.key, id, body })).status).toBe(200);
    const view = await read(id);
    expect(view.history.filter((entry: { action: string }) => entry.action === 'declined')).toEqual([
      expect.objectContaining({ by: receiver.partnerId, reason: 'no_capacity', fromStatus: 'eligible', toStatus: 'declined' }),
    ]);
    expect(view.notes).toEqual([expect.objectContaining({ text: 'Our shelter is full until spring.' })]);
    expectProblem(await api.call('POST /v1/referrals/{id}/accept', { key: receiver.key, id, body: {} }), 409);
  });

  it('concurrent acceptances make one acceptance', async () => {
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => api.call('POST /v1/referrals/{id}/accept', { key: receiver.key, id, body: {} }))
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await cases.get(id))!.history.filter((entry) => entry.action === 'accepted')).toHaveLength(1);
  });
});

describe('departure and arrival', () => {
  it('a planned departure keeps the case accepted; a departure in the future is refused', async () => {
    const id = await acceptedCase();
    const planned = await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { plannedOn: dayFromToday(10) } });
    expect(planned.body.status).toBe('accepted');
    const problem = expectProblem(
      await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: dayFromToday(1) } }),
      422
    );
    expect(problem.errors).toEqual([{ path: 'departedOn', message: 'must not be in the future' }]);
    expectProblem(await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: {} }), 400);
  });

  it('a child whose return needs an escort departs only escorted', async () => {
    const id = await acceptedCase(careMinorReferral());
    const problem = expectProblem(
      await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: today } }),
      422
    );
    expect(problem.errors).toEqual([{ path: 'escorted', message: expect.stringContaining('escort') }]);
    expect(
      (await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: today, escorted: true } })).body
        .status
    ).toBe('departed');
  });

  it('arrival schedules the visits, sets the plan deadline, and takes reception services given later', async () => {
    const id = await acceptedCase();
    await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: '2026-01-30' } });
    const early = await api.call('POST /v1/referrals/{id}/arrival', {
      key: receiver.key,
      id,
      body: { arrivedOn: '2026-01-29', reception: [] },
    });
    expect(expectProblem(early, 422).errors).toEqual([{ path: 'arrivedOn', message: 'must not be before the recorded departure' }]);

    const first = { arrivedOn: '2026-01-31', reception: [{ service: 'airport_reception', providedOn: '2026-01-31' }] };
    expect((await api.call('POST /v1/referrals/{id}/arrival', { key: receiver.key, id, body: first })).body.status).toBe('arrived');
    const later = { arrivedOn: '2026-01-31', reception: [...first.reception, { service: 'onward_transport', providedOn: '2026-02-02' }] };
    expect((await api.call('POST /v1/referrals/{id}/arrival', { key: receiver.key, id, body: later })).status).toBe(200);
    expect((await api.call('POST /v1/referrals/{id}/arrival', { key: receiver.key, id, body: later })).status).toBe(200);
    const otherDay = await api.call('POST /v1/referrals/{id}/arrival', {
      key: receiver.key,
      id,
      body: { ...later, arrivedOn: '2026-02-01' },
    });
    expect(expectProblem(otherDay, 409).currentStatus).toBeUndefined();

    const view = await read(id);
    expect(view.arrival).toEqual({ arrivedOn: '2026-01-31', reception: later.reception });
    const planDueOn = addDays('2026-01-31', tactMonitoring.planDueDays);
    expect(view.plan).toEqual({ dueOn: planDueOn, overdue: today > planDueOn, versions: [] });
    expect(view.visits).toEqual(
      tactMonitoring.visitDaysAfterArrival.map((days, index) => {
        const dueOn = addDays('2026-01-31', days);
        return { number: index + 1, dueOn, overdue: today > dueOn };
      })
    );
    expect(view.history.filter((entry: { action: string }) => entry.action === 'reception_added')).toHaveLength(1);
  });
});

describe('the reintegration plan', () => {
  it("is refused over the programme's limits, naming each item", async () => {
    const id = await arrivedCase();
    const body = {
      currency: 'EUR',
      items: [
        { category: 'business_startup', amount: 999_999 },
        { category: 'jewellery', amount: 100 },
      ],
    };
    const problem = expectProblem(await api.call('PUT /v1/referrals/{id}/plan', { key: receiver.key, id, body }), 422);
    expect(problem.errors!.map((error) => error.path)).toEqual(['items[0].amount', 'items[1].category']);
    expect((await cases.get(id))!.plans).toEqual([]);
  });

  it('is versioned: a change after approval needs approval again, and payments keep the approved version meanwhile', async () => {
    const id = await arrivedCase();
    const call = (routeKey: RouteKey, key: string, body: unknown) => api.call(routeKey, { key, id, body });
    expect((await call('PUT /v1/referrals/{id}/plan', receiver.key, samples.plan)).body).toMatchObject({ version: 1, status: 'submitted' });
    // The same plan again is a retry, not a new version.
    expect((await call('PUT /v1/referrals/{id}/plan', receiver.key, samples.plan)).body).toMatchObject({ version: 1, status: 'submitted' });
    expect((await call('POST /v1/referrals/{id}/plan/approve', coordinator.key, {})).body).toMatchObject({
      version: 1,
      status: 'approved',
      approvedVersion: 1,
    });
    expect((await read(id)).status).toBe('reintegrating');
    expectProblem(await call('POST /v1/referrals/{id}/plan/return', coordinator.key, { note: 'Nothing to return.' }), 409);

    const change = { currency: 'EUR', items: [{ category: 'business_startup', amount: 150_000 }] };
    expect((await call('PUT /v1/referrals/{id}/plan', receiver.key, change)).body).toMatchObject({
      version: 2,
      status: 'submitted',
      approvedVersion: 1,
    });
    expect((await cases.get(id))!.case).toMatchObject({ approvedPlanVersion: 1, planVersion: 2, planStatus: 'submitted' });
    expect((await call('POST /v1/referrals/{id}/plan/approve', coordinator.key, {})).body).toMatchObject({
      version: 2,
      approvedVersion: 2,
    });
    expect((await call('POST /v1/referrals/{id}/plan/approve', coordinator.key, {})).status).toBe(200);

    const { plans, history } = (await cases.get(id))!;
    expect(plans.map((plan) => [plan.version, plan.status])).toEqual([
      [1, 'superseded'],
      [2, 'approved'],
    ]);
    expect(history.filter((entry) => entry.action === 'plan_approved').map((entry) => entry.subject)).toEqual([
      'PLAN#000001',
      'PLAN#000002',
    ]);
  });

  it('a return needs a note; the receiver then submits a new version', async () => {
    const id = await arrivedCase();
    await api.call('PUT /v1/referrals/{id}/plan', { key: receiver.key, id, body: samples.plan });
    const noNote = expectProblem(await api.call('POST /v1/referrals/{id}/plan/return', { key: coordinator.key, id, body: {} }), 400);
    expect(noNote.errors).toEqual([{ path: 'note', message: 'is required' }]);
    expect(
      (await api.call('POST /v1/referrals/{id}/plan/return', { key: coordinator.key, id, body: samples.returnPlan })).body.status
    ).toBe('returned');
    expectProblem(await api.call('POST /v1/referrals/{id}/plan/approve', { key: coordinator.key, id, body: {} }), 409);
    expect((await api.call('PUT /v1/referrals/{id}/plan', { key: receiver.key, id, body: samples.plan })).body).toMatchObject({
      version: 2,
    });
  });

  it('concurrent approvals approve once', async () => {
    const id = await arrivedCase();
    await api.call('PUT /v1/referrals/{id}/plan', { key: receiver.key, id, body: samples.plan });
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => api.call('POST /v1/referrals/{id}/plan/approve', { key: coordinator.key, id, body: {} }))
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    expect((await cases.get(id))!.history.filter((entry) => entry.action === 'plan_approved')).toHaveLength(1);
  });
});

describe('monitoring visits', () => {
  it('fill the schedule in order; the same day again is a retry, another outcome that day a conflict', async () => {
    const scheduled = tactMonitoring.visitDaysAfterArrival.length;
    // Arrived long enough ago for one visit a day: each scheduled visit and one beyond the schedule.
    const id = await arrivedCase(scheduled);
    const visit = (visitedOn: string, outcome = 'on_track') =>
      api.call('POST /v1/referrals/{id}/monitoring-visits', { key: receiver.key, id, body: { visitedOn, outcome } });
    const firstDay = -scheduled;
    const first = await visit(dayFromToday(firstDay));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      number: 1,
      visitedOn: dayFromToday(firstDay),
      outcome: 'on_track',
      recordedBy: receiver.partnerId,
      overdue: false,
    });
    expect((await read(id)).status).toBe('arrived');
    expect((await visit(dayFromToday(firstDay))).status).toBe(200);
    expectProblem(await visit(dayFromToday(firstDay), 'at_risk'), 409);
    expect(expectProblem(await visit(dayFromToday(firstDay - 1)), 422).errors).toEqual([
      { path: 'visitedOn', message: 'must not be before the arrival' },
    ]);
    expect(expectProblem(await visit(dayFromToday(1)), 422).errors).toEqual([{ path: 'visitedOn', message: 'must not be in the future' }]);
    for (let day = firstDay + 1; day <= 0; day += 1) expect((await visit(dayFromToday(day))).status).toBe(201);
    const view = await read(id);
    expect(view.visits.map((entry: { number: number; dueOn?: string }) => [entry.number, entry.dueOn !== undefined])).toEqual([
      ...Array.from({ length: scheduled }, (_, index) => [index + 1, true]),
      [scheduled + 1, false],
    ]);
  });

  it('the first visit after the plan is approved moves the case to monitoring; concurrent visits of one day make one visit', async () => {
    const id = await arrivedCase(3);
    await api.call('PUT /v1/referrals/{id}/plan', { key: receiver.key, id, body: samples.plan });
    await api.call('POST /v1/referrals/{id}/plan/approve', { key: coordinator.key, id, body: {} });
    const body = { visitedOn: dayFromToday(-1), outcome: 'needs_support' };
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => api.call('POST /v1/referrals/{id}/monitoring-visits', { key: receiver.key, id, body }))
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 201]);
    const stored = (await cases.get(id))!;
    expect(stored.case.status).toBe('monitoring');
    expect(stored.visits.filter((entry) => entry.visitedOn !== undefined)).toHaveLength(1);
  });
});

describe('closure', () => {
  it('closes with an exit reason and reopens to where the case was', async () => {
    const id = await arrivedCase();
    expect(
      (await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 're_migrated' } })).body.status
    ).toBe('closed');
    expect(
      (await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 're_migrated' } })).status
    ).toBe(200);
    expect(
      expectProblem(await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 'completed' } }), 409)
        .currentStatus
    ).toBe('closed');
    expect(
      expectProblem(await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 'bored' } }), 400)
        .errors![0]!.path
    ).toBe('exitReason');
    expect((await api.call('POST /v1/referrals/{id}/reopen', { key: coordinator.key, id, body: {} })).body.status).toBe('arrived');
    expect((await read(id)).closure).toMatchObject({
      exitReason: 're_migrated',
      statusBeforeClosure: 'arrived',
      reopenedBy: coordinator.partnerId,
    });
  });
});

describe('the daily reminders job', () => {
  it('run twice the same day, emails the receiver and each coordinator once per overdue item, whatever the queue redelivers', async () => {
    await drainNotifications();
    // Arrived long ago: the plan and every scheduled visit are overdue.
    const daysAgo = tactMonitoring.visitDaysAfterArrival.at(-1)! + 35;
    const overdue = await arrivedCase(daysAgo);
    // Arrived today: nothing is overdue yet.
    const onTime = await arrivedCase(0);
    const now = new Date();
    const first = await platform.runReminders(now);
    const second = await platform.runReminders(now);
    const overdueItems = ['PLAN', ...tactMonitoring.visitDaysAfterArrival.map((_, index) => visitSk(index + 1))];
    expect(first.remindersSent).toBeGreaterThanOrEqual(overdueItems.length);
    expect(second.remindersSent).toBe(0);

    const drained = await notifications.drain(mailer, { deliveries: 2 });
    const queued = drained.received.map((message) => JSON.parse(message.Body!) as Record<string, any>);
    const ours = queued.filter((message) => [overdue, onTime].includes(message.caseId));
    for (const message of ours) {
      expect(notificationMessageSchema.parse(message)).toMatchObject({
        kind: 'reminder',
        caseId: overdue,
        reference: expect.stringMatching(/^TACT-FR-/),
      });
      expect(message.event).toBe(message.item === 'PLAN' ? 'plan_overdue' : 'visit_overdue');
    }
    const toUs = ours.filter((message) => [receiver.partnerId, coordinator.partnerId].includes(message.recipient.partnerId));
    expect(toUs.map((message) => `${message.item} → ${message.recipient.role} ${message.recipient.partnerId}`).sort()).toEqual(
      overdueItems.flatMap((item) => [`${item} → receiver ${receiver.partnerId}`, `${item} → coordinator ${coordinator.partnerId}`]).sort()
    );
    const { person } = tactReferral();
    expect(JSON.stringify(queued)).not.toContain(person.familyName);

    const { reference } = await read(overdue);
    const subjects = [
      'reintegration plan overdue',
      'monitoring visit 1 overdue',
      'monitoring visit 2 overdue',
      'monitoring visit 3 overdue',
    ].map((what) => `Case ${reference}: ${what}`);
    const expected = [receiver, coordinator].flatMap((partner) => subjects.map((subject) => `${partner.emails[0]} | ${subject}`)).sort();
    const mine = (emails: StoredEmail[]) =>
      emails.filter((email) => [receiver.emails[0], coordinator.emails[0]].includes(email.destination.to[0]!));
    const emails = await waitFor(
      async () => {
        const found = mine(await emailsAbout(overdue));
        return found.length >= expected.length && found;
      },
      { description: `${expected.length} reminder emails` }
    );
    expect(toAndSubject(emails)).toEqual(expected);
    const visit = emails.find(
      (email) => email.subject.endsWith('monitoring visit 1 overdue') && email.destination.to[0] === receiver.emails[0]
    )!;
    expect(visit.body.text).toContain('Carry out the visit and record it in the case.');
    expect(visit.body.text).toContain(`/${overdue}`);
    // The coordinators registered by other files are reminded too: each once as well.
    const everyone = toAndSubject(await emailsAbout(overdue));
    expect(new Set(everyone).size).toBe(everyone.length);
    expect(await emailsAbout(onTime)).toEqual([]);

    // A visit recorded and a plan approved later do not bring the reminders back; a new day does not repeat them.
    await api.call('POST /v1/referrals/{id}/monitoring-visits', {
      key: receiver.key,
      id: overdue,
      body: { visitedOn: today, outcome: 'on_track' },
    });
    const tomorrow = new Date(now.getTime() + 24 * 60 * 60 * 1000);
    await platform.runReminders(tomorrow);
    expect((await drainNotifications()).filter((message) => message.caseId === overdue)).toEqual([]);
    expect(toAndSubject(await emailsAbout(overdue))).toEqual(everyone);
  });

  it('a reminder is claimed by one run only; a claim given back or left by a dead run can be taken again', async () => {
    const reminders = new ReminderRepository(documentClient, process.env.CASES_TABLE_NAME!);
    const id = await submit();
    const now = new Date();
    const claims = await Promise.all(Array.from({ length: 5 }, () => reminders.claim(id, 'VISIT#001', now, 60_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await reminders.release(id, 'VISIT#001');
    expect(await reminders.claim(id, 'VISIT#001', now, 60_000)).toBe(true);
    expect(await reminders.claim(id, 'VISIT#001', new Date(now.getTime() + 30_000), 60_000)).toBe(false);
    expect(await reminders.claim(id, 'VISIT#001', new Date(now.getTime() + 120_000), 60_000)).toBe(true);
    await reminders.markSent(id, 'VISIT#001', now);
    expect(await reminders.claim(id, 'VISIT#001', new Date(now.getTime() + 10 * 60_000_000), 60_000)).toBe(false);
  });
});

afterAll(() => {
  notifications.close();
  logs.stop();
  const text = logs.text();
  expect(text).toContain('reminder sent');
  expect(text).toContain('case offered');
  for (const sample of [tactReferral(), careMinorReferral()]) {
    for (const value of [
      sample.person.givenName,
      sample.person.familyName,
      sample.person.dateOfBirth,
      sample.person.phone,
      'shelter is full',
    ]) {
      if (value !== undefined) expect(text).not.toContain(value);
    }
  }
});
