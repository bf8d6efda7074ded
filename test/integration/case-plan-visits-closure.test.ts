import { afterAll, describe, expect, it } from 'vitest';
import type { RouteKey } from '../../events/routes.ts';
import { api } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { dayFromToday } from '../support/lifecycle.ts';
import { arrivedCase, coordinator, read, receiver, samples, tactMonitoring } from '../support/lifecycle-cases.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

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

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expectLogsFreeOfSamples(text, ['shelter is full']);
});
