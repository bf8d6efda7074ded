import { afterAll, describe, expect, it } from 'vitest';
import { addDays } from '../../events/dates.ts';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { api, registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { dayFromToday, platform } from '../support/lifecycle.ts';
import {
  acceptedCase,
  coordinator,
  moveCase,
  otherReceiver,
  read,
  receiver,
  referrer,
  submit,
  tactMonitoring,
  today,
} from '../support/lifecycle-cases.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

describe('offer', () => {
  it('a case becoming eligible is offered once to the registered receiver, even when the records come twice', async () => {
    // Given a receiver registered for the programme in the country of origin, and one for another programme
    const ukraine = await registerPartner(['receiver'], 'UA', 'active', { programmes: ['TACT'] });
    await registerPartner(['receiver'], 'UA', 'active', { programmes: ['CARE'] });
    const stream = await platform.followCaseStream();
    // When a case becomes eligible and the offer consumer gets its records, twice
    const id = await submit({ ...tactReferral(), originCountry: 'UA' });
    await platform.assessEligible(id);
    const delivered = await stream.deliverToOfferConsumer();
    expect(delivered.map((event) => event.detail.caseId)).toContain(id);
    // The same records again, as Lambda redelivers after a partial failure: the same events, delivered again.
    expect(await stream.redeliverToOfferConsumer()).toEqual(delivered);
    // The offer's own write is not a case becoming eligible: no event of it reaches the offer consumer.
    expect((await stream.deliverToOfferConsumer()).map((event) => event.detail.caseId)).not.toContain(id);
    stream.close();
    // Then the case is offered to the programme's receiver, once
    const { case: offered, history } = (await cases.get(id))!;
    expect(offered).toMatchObject({ status: 'eligible', receiverId: ukraine.partnerId });
    expect(history.filter((entry) => entry.action === 'offered')).toEqual([
      expect.objectContaining({ by: 'system', subject: ukraine.partnerId }),
    ]);
  });

  it('without a registered receiver the case stays eligible for the coordinator, and the history says so once', async () => {
    // Given no receiver registered in the country of origin
    const stream = await platform.followCaseStream();
    // When a case from there becomes eligible and its records come twice
    const id = await submit({ ...tactReferral(), originCountry: 'MA' });
    await platform.assessEligible(id);
    await stream.deliverToOfferConsumer();
    await stream.deliverToOfferConsumer();
    stream.close();
    // Then it stays with no receiver, the history saying so once, until the coordinator assigns one
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
    // Given a case offered to a receiver
    const id = await submit();
    await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
    // When the coordinator reassigns it to another, twice
    const body = { receiverId: otherReceiver.partnerId, note: 'The other office covers the district.' };
    expect((await api.call('POST /v1/referrals/{id}/reassign', { key: coordinator.key, id, body })).status).toBe(200);
    expect((await api.call('POST /v1/referrals/{id}/reassign', { key: coordinator.key, id, body })).status).toBe(200);
    // Then only the new receiver sees and accepts it, and the history has one reassignment
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

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expect(text).toContain('case offered');
  expectLogsFreeOfSamples(text, ['shelter is full']);
});
