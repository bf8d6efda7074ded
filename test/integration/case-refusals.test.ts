import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import type { RouteKey } from '../../events/routes.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { api, registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { dayFromToday } from '../support/lifecycle.ts';
import {
  coordinator,
  moveCase,
  otherReceiver,
  type Partner,
  receiver,
  referrer,
  samples,
  submit,
  today,
} from '../support/lifecycle-cases.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

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

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expectLogsFreeOfSamples(text, ['shelter is full']);
});
