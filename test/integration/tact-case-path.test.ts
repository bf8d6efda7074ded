import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../events/dates.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { api, registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import { dayFromToday, platform } from '../support/lifecycle.ts';
import { expectProblem } from '../support/problem.ts';

/**
 * One TACT case from France to Albania through the whole lifecycle: submission, eligibility, the
 * offer to the Albanian partner, acceptance, departure, arrival with reception, a plan returned
 * and then approved, three monitoring visits, closure, reopening and closure again. Written against
 * `api` and `platform` only (test/support/lifecycle.ts), so the local-stack version swaps those for
 * HTTP calls and waits on the running consumers, and adds the stakeholders' emails.
 */
const logs = captureLogs();
const { visitDaysAfterArrival: schedule } = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']).monitoring;
const outcomes = ['on_track', 'needs_support', 'on_track'] as const;
const outcomeOf = (index: number) => outcomes[index % outcomes.length]!;
type Partner = Awaited<ReturnType<typeof registerPartner>>;
let paris: Partner;
let tirana: Partner;
let coordinator: Partner;

beforeAll(async () => {
  [paris, tirana, coordinator] = await Promise.all([
    registerPartner(['referrer'], 'FR'),
    registerPartner(['receiver'], 'AL', 'active', { programmes: ['TACT'] }),
    registerPartner(['coordinator'], 'FR'),
  ]);
});

const expectOk = (response: { status: number; body: Json }, status = 200) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
};

describe('a TACT case from France to Albania', () => {
  it('travels the whole path, each step by its partner, every step in the history', async () => {
    const stream = await platform.followCaseStream();
    const submitted = expectOk(await api.call('POST /v1/referrals', { key: paris.key, body: tactReferral() }), 201);
    const id: string = submitted.id;
    expect(submitted.reference).toMatch(/^TACT-FR-\d{6}$/);

    await platform.assessEligible(id);
    await stream.deliverToOfferConsumer();
    stream.close();
    const offered = expectOk(await api.call('GET /v1/referrals/{id}', { key: tirana.key, id }));
    expect(offered).toMatchObject({ status: 'eligible', receiverId: tirana.partnerId });

    expectOk(
      await api.call('POST /v1/referrals/{id}/accept', { key: tirana.key, id, body: { note: 'We will meet her at Rinas airport.' } })
    );

    // Dates in the past, so that every visit of TACT's schedule (3, 6 and 12 months after arrival) is due today.
    const arrivedOn = dayFromToday(-(schedule.at(-1)! + 34));
    const departedOn = addDays(arrivedOn, -1);
    expectOk(await api.call('POST /v1/referrals/{id}/departure', { key: paris.key, id, body: { plannedOn: departedOn } }));
    expect(
      expectOk(await api.call('POST /v1/referrals/{id}/departure', { key: paris.key, id, body: { departedOn, escorted: false } })).status
    ).toBe('departed');
    expectOk(
      await api.call('POST /v1/referrals/{id}/arrival', {
        key: tirana.key,
        id,
        body: {
          arrivedOn,
          reception: [
            { service: 'airport_reception', providedOn: arrivedOn },
            { service: 'accommodation', providedOn: arrivedOn },
            { service: 'medical_checkup', providedOn: addDays(arrivedOn, 1) },
          ],
        },
      })
    );
    const arrived = expectOk(await api.call('GET /v1/referrals/{id}', { key: coordinator.key, id }));
    expect(arrived.plan).toMatchObject({ overdue: true, versions: [] });
    expect(arrived.visits.map((visit: { number: number; overdue: boolean }) => [visit.number, visit.overdue])).toEqual(
      schedule.map((_, index) => [index + 1, true])
    );

    const draft = {
      currency: 'EUR',
      items: [
        { category: 'housing', amount: 90_000 },
        { category: 'training', amount: 60_000 },
      ],
      note: 'Rent for six months and a hairdressing course.',
    };
    expect(expectOk(await api.call('PUT /v1/referrals/{id}/plan', { key: tirana.key, id, body: draft }))).toMatchObject({
      version: 1,
      status: 'submitted',
    });
    expectOk(
      await api.call('POST /v1/referrals/{id}/plan/return', { key: coordinator.key, id, body: { note: 'Add the medical follow-up.' } })
    );
    const revised = { ...draft, items: [...draft.items, { category: 'medical', amount: 30_000 }] };
    expectOk(await api.call('PUT /v1/referrals/{id}/plan', { key: tirana.key, id, body: revised }));
    const approved = expectOk(await api.call('POST /v1/referrals/{id}/plan/approve', { key: coordinator.key, id, body: {} }));
    expect(approved).toMatchObject({ version: 2, status: 'approved', approvedVersion: 2, overdue: false });

    // Each visit a week after it fell due.
    for (const [index, days] of schedule.entries()) {
      const body = { visitedOn: addDays(arrivedOn, days + 7), outcome: outcomeOf(index) };
      expectOk(await api.call('POST /v1/referrals/{id}/monitoring-visits', { key: tirana.key, id, body }), 201);
    }
    expectOk(await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 'completed' } }));
    expect(
      expectOk(await api.call('POST /v1/referrals/{id}/reopen', { key: coordinator.key, id, body: { note: 'A last visit is needed.' } }))
        .status
    ).toBe('monitoring');
    expectOk(await api.call('POST /v1/referrals/{id}/close', { key: coordinator.key, id, body: { exitReason: 'completed' } }));

    const final = expectOk(await api.call('GET /v1/referrals/{id}', { key: paris.key, id }));
    expect(final).toMatchObject({
      status: 'closed',
      receiverId: tirana.partnerId,
      departure: { plannedOn: departedOn, departedOn, escorted: false },
      arrival: { arrivedOn },
      closure: { exitReason: 'completed', closedBy: coordinator.partnerId, statusBeforeClosure: 'monitoring' },
      plan: { approvedVersion: 2, overdue: false },
    });
    expect(final.plan.versions.map((version: { version: number; status: string }) => [version.version, version.status])).toEqual([
      [1, 'returned'],
      [2, 'approved'],
    ]);
    expect(final.visits.map((visit: { outcome: string; overdue: boolean }) => [visit.outcome, visit.overdue])).toEqual(
      schedule.map((_, index) => [outcomeOf(index), false])
    );
    expect(
      final.history.map((entry: { action: string; by: string; toStatus: string }) => [entry.action, entry.by, entry.toStatus])
    ).toEqual([
      ['submitted', paris.partnerId, 'submitted'],
      ['assessEligible', 'system', 'eligible'],
      ['offered', 'system', 'eligible'],
      ['accepted', tirana.partnerId, 'accepted'],
      ['departure_planned', paris.partnerId, 'accepted'],
      ['departed', paris.partnerId, 'departed'],
      ['arrived', tirana.partnerId, 'arrived'],
      ['plan_submitted', tirana.partnerId, 'arrived'],
      ['plan_returned', coordinator.partnerId, 'arrived'],
      ['plan_submitted', tirana.partnerId, 'arrived'],
      ['plan_approved', coordinator.partnerId, 'reintegrating'],
      ...schedule.map(() => ['visit_recorded', tirana.partnerId, 'monitoring']),
      ['closed', coordinator.partnerId, 'closed'],
      ['reopened', coordinator.partnerId, 'monitoring'],
      ['closed', coordinator.partnerId, 'closed'],
    ]);
    // Notes are kept beside the history, never in it.
    expect(final.notes.map((note: { text: string }) => note.text)).toEqual(
      expect.arrayContaining(['We will meet her at Rinas airport.', 'Add the medical follow-up.', 'A last visit is needed.'])
    );
    expect(JSON.stringify(final.history)).not.toContain('Rinas');

    // Closed: nothing but reopening.
    const late = await api.call('POST /v1/referrals/{id}/monitoring-visits', {
      key: tirana.key,
      id,
      body: { visitedOn: dayFromToday(0), outcome: 'on_track' },
    });
    expectProblem(late, 409);
    expect(late.body.currentStatus).toBe('closed');
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expect(text).toContain('case changed');
  const { person, destinationLocality } = tactReferral();
  for (const value of [person.givenName, person.familyName, person.dateOfBirth, person.phone, destinationLocality, 'Rinas airport']) {
    expect(text).not.toContain(value);
  }
});
