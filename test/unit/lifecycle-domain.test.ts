import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CaseItem } from '../../events/case.ts';
import { addDays } from '../../events/dates.ts';
import { type MonitoringVisit, visitItemId } from '../../events/lifecycle.ts';
import { notificationMessageSchema } from '../../events/notification.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { decideVisit } from '../../functions/domain/monitoring.ts';
import { chooseReceiver, decideOffer, type ReceiverCandidate } from '../../functions/domain/offer.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';
import { decideApprovePlan, decideDraftPlan, planErrors, planOverdue } from '../../functions/domain/reintegration-plan.ts';
import { overdueItems, reminderMessages } from '../../functions/domain/reminders.ts';
import { decideArrival, decideDeparture } from '../../functions/domain/travel.ts';

/** TACT as its data file defines it: expectations follow the data, whatever its figures. */
const tact = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']);
const limitOf = (category: string): number => tact.reintegration.categories.find((funded) => funded.category === category)!.limit;
const now = new Date('2027-06-15T09:00:00.000Z');
const today = '2027-06-15';

const aCase = (changes: Partial<CaseItem> = {}): CaseItem => {
  const created = newCaseFromReferral(
    referralRequestSchema.parse(tactReferral()),
    { caseId: randomUUID(), reference: 'TACT-FR-000042', referrerId: 'referrer-fr-1' },
    new Date('2026-11-20T10:00:00.000Z')
  );
  return { ...created.case, receiverId: 'receiver-al-1', ...changes };
};
const receiver = { partnerId: 'receiver-al-1', rolesOnCase: ['receiver'] as const };

describe('calendar arithmetic', () => {
  it('adds days across months and years', () => {
    expect(addDays('2027-12-15', 30)).toBe('2028-01-14');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-01-31', 365)).toBe('2028-01-31');
  });
});

describe('offer', () => {
  const partner = (partnerId: string, changes: Partial<ReceiverCandidate> = {}): ReceiverCandidate => ({
    partnerId,
    roles: ['receiver'],
    country: 'AL',
    status: 'active',
    ...changes,
  });

  it('goes to an active receiver in the country of origin, preferring one that names the programme', () => {
    const candidates = [
      partner('a-any-programme'),
      partner('b-tact', { programmes: ['TACT'] }),
      partner('c-care-only', { programmes: ['CARE'] }),
      partner('d-morocco', { country: 'MA', programmes: ['TACT'] }),
      partner('a-disabled', { status: 'disabled', programmes: ['TACT'] }),
      partner('a-referrer', { roles: ['referrer'], programmes: ['TACT'] }),
    ];
    expect(chooseReceiver(candidates, { programmeId: 'TACT', originCountry: 'AL' })).toBe('b-tact');
    expect(
      chooseReceiver(
        candidates.filter((c) => c.partnerId !== 'b-tact'),
        { programmeId: 'TACT', originCountry: 'AL' }
      )
    ).toBe('a-any-programme');
    expect(chooseReceiver(candidates, { programmeId: 'TACT', originCountry: 'UA' })).toBeUndefined();
  });

  it('without a receiver, records once that none is registered', () => {
    const stored = aCase({ status: 'eligible', receiverId: undefined });
    const first = decideOffer(stored, [], [], now);
    expect(first).toMatchObject({
      kind: 'change',
      change: { changes: {}, history: { action: 'offer_unmatched', reason: 'NO_RECEIVER_REGISTERED' } },
    });
    const history = first.kind === 'change' ? [first.change.history] : [];
    expect(decideOffer(stored, history, [], now).kind).toBe('unchanged');
  });
});

describe('departure and arrival', () => {
  it("a child's departure needs an escort when the best-interests determination says so", () => {
    const stored = aCase({ status: 'accepted', minor: { guardianConsent: true, escortRequired: true } });
    const refused = decideDeparture(stored, { partnerId: 'referrer-fr-1', rolesOnCase: ['referrer'] }, { departedOn: today }, today, now);
    expect(refused).toMatchObject({ kind: 'refused', refusal: { reason: 'invalid', errors: [{ path: 'escorted' }] } });
    const escorted = decideDeparture(
      stored,
      { partnerId: 'referrer-fr-1', rolesOnCase: ['referrer'] },
      { departedOn: today, escorted: true },
      today,
      now
    );
    expect(escorted).toMatchObject({
      kind: 'change',
      change: { changes: { status: 'departed', departure: { departedOn: today, escorted: true } } },
    });
  });

  it('arrival sets the plan deadline and schedules the visits from the programme', () => {
    const stored = aCase({ status: 'departed', departure: { departedOn: '2027-01-30' } });
    const decision = decideArrival(stored, receiver, { arrivedOn: '2027-01-31', reception: [] }, tact, today, now);
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    const { planDueDays, visitDaysAfterArrival } = tact.monitoring;
    expect(decision.change.changes).toMatchObject({
      status: 'arrived',
      planDueOn: addDays('2027-01-31', planDueDays),
      visitCount: visitDaysAfterArrival.length,
    });
    expect(decision.change.records).toEqual(
      visitDaysAfterArrival.map((days, index) => ({
        itemId: visitItemId(index + 1),
        caseId: stored.caseId,
        number: index + 1,
        dueOn: addDays('2027-01-31', days),
      }))
    );
  });

  it("TACT's visits fall 3, 6 and 12 months after arrival, as issue 8 schedules them", () => {
    expect(tact.monitoring.visitDaysAfterArrival).toEqual([91, 182, 365]);
  });

  it('a programme this deployment does not run cannot take an arrival', () => {
    const stored = aCase({ status: 'departed', departure: { departedOn: '2027-01-30' } });
    expect(decideArrival(stored, receiver, { arrivedOn: '2027-01-31', reception: [] }, undefined, today, now)).toMatchObject({
      kind: 'refused',
      refusal: { reason: 'invalid' },
    });
  });
});

describe('the reintegration plan', () => {
  it("is checked against the programme's currency, categories and limits, naming each field", () => {
    expect(
      planErrors(
        {
          currency: 'USD',
          items: [
            { category: 'medical', amount: limitOf('medical') + 1 },
            { category: 'travel', amount: 100 },
            { category: 'housing', amount: limitOf('housing') },
            { category: 'housing', amount: 1 },
          ],
        },
        tact
      )
    ).toEqual([
      { path: 'currency', message: `must be ${tact.reintegration.currency}, the programme's currency` },
      { path: 'items[0].amount', message: `must be at most ${limitOf('medical')}, the programme's limit for medical` },
      {
        path: 'items[1].category',
        message: `must be a category the programme funds: ${tact.reintegration.categories.map((funded) => funded.category).join(', ')}`,
      },
      { path: 'items[3].category', message: 'appears more than once' },
    ]);
  });

  it('is overdue once the deadline after arrival has passed without an approved plan', () => {
    const stored = { status: 'arrived' as const, planDueOn: '2027-06-14' };
    expect(planOverdue(stored, '2027-06-14')).toBe(false);
    expect(planOverdue(stored, today)).toBe(true);
    expect(planOverdue({ ...stored, approvedPlanVersion: 1 }, today)).toBe(false);
    expect(planOverdue({ ...stored, status: 'closed' }, today)).toBe(false);
  });

  it('is not approved by the partner who drafted it', () => {
    const stored = aCase({ status: 'arrived', planVersion: 1, planStatus: 'submitted' });
    const plan = {
      caseId: stored.caseId,
      version: 1,
      status: 'submitted' as const,
      currency: 'EUR',
      items: [{ category: 'medical', amount: 100 }],
      draftedAt: now.toISOString(),
      draftedBy: 'both-roles',
    };
    const decision = decideApprovePlan(stored, [plan], { partnerId: 'both-roles', rolesOnCase: ['receiver', 'coordinator'] }, {}, now);
    expect(decision).toMatchObject({ kind: 'refused', refusal: { reason: 'role' } });
  });

  it('a new draft supersedes the one waiting, and leaves the approved version in force', () => {
    const stored = aCase({ status: 'reintegrating', planVersion: 2, planStatus: 'submitted', approvedPlanVersion: 1 });
    const base = { caseId: stored.caseId, currency: 'EUR', draftedAt: now.toISOString(), draftedBy: 'receiver-al-1' };
    const plans = [
      { ...base, version: 1, status: 'approved' as const, items: [{ category: 'medical', amount: 100 }] },
      { ...base, version: 2, status: 'submitted' as const, items: [{ category: 'medical', amount: 200 }] },
    ];
    const decision = decideDraftPlan(
      stored,
      plans,
      receiver,
      { currency: 'EUR', items: [{ category: 'medical', amount: 300 }] },
      tact,
      now
    );
    expect(decision.kind).toBe('change');
    if (decision.kind !== 'change') return;
    expect(decision.change.changes).toEqual({ planVersion: 3, planStatus: 'submitted' });
    expect(decision.change.records?.map((record) => [record.itemId, record.status])).toEqual([
      ['PLAN#000003', 'submitted'],
      ['PLAN#000002', 'superseded'],
    ]);
    expect(decision.response).toMatchObject({ version: 3, approvedVersion: 1 });
  });
});

describe('monitoring visits', () => {
  const scheduled = (caseId: string): MonitoringVisit[] => [
    { caseId, number: 1, dueOn: '2027-04-30', visitedOn: '2027-04-28', outcome: 'on_track' },
    { caseId, number: 2, dueOn: '2027-07-31' },
    { caseId, number: 3, dueOn: '2028-01-31' },
  ];

  it('a visit fills the earliest scheduled visit still open', () => {
    const stored = aCase({ status: 'monitoring', arrival: { arrivedOn: '2027-01-31', reception: [] }, visitCount: 3 });
    const decision = decideVisit(stored, scheduled(stored.caseId), receiver, { visitedOn: '2027-06-01', outcome: 'needs_support' }, now);
    expect(decision).toMatchObject({
      kind: 'change',
      change: { changes: { status: 'monitoring' }, history: { action: 'visit_recorded', reason: 'needs_support', subject: 'VISIT#002' } },
      response: { number: 2, dueOn: '2027-07-31', visitedOn: '2027-06-01', outcome: 'needs_support', overdue: false },
    });
  });

  it('beyond the schedule, a visit is added unscheduled', () => {
    const stored = aCase({ status: 'monitoring', arrival: { arrivedOn: '2027-01-31', reception: [] }, visitCount: 3 });
    const done = scheduled(stored.caseId).map((visit, index) => ({
      ...visit,
      visitedOn: `2027-0${index + 2}-01`,
      outcome: 'on_track' as const,
    }));
    const decision = decideVisit(stored, done, receiver, { visitedOn: '2027-06-01', outcome: 'on_track' }, now);
    expect(decision).toMatchObject({ kind: 'change', change: { changes: { visitCount: 4 } }, response: { number: 4 } });
    expect(decision.kind === 'change' && decision.response.dueOn).toBeUndefined();
  });

  it('the same day again is a retry with the same outcome, and a conflict with another', () => {
    const stored = aCase({ status: 'monitoring', visitCount: 3 });
    expect(decideVisit(stored, scheduled(stored.caseId), receiver, { visitedOn: '2027-04-28', outcome: 'on_track' }, now).kind).toBe(
      'unchanged'
    );
    expect(decideVisit(stored, scheduled(stored.caseId), receiver, { visitedOn: '2027-04-28', outcome: 'at_risk' }, now)).toMatchObject({
      kind: 'refused',
      refusal: { reason: 'conflict' },
    });
  });
});

describe('reminders', () => {
  const stored = {
    caseId: 'c0ffee00-0000-4000-8000-000000000001',
    reference: 'TACT-FR-000042',
    programmeId: 'TACT',
    receiverId: 'receiver-al-1',
  };

  it('lists the overdue plan and each overdue visit, and nothing for a closed case', () => {
    const visits: MonitoringVisit[] = [
      { caseId: stored.caseId, number: 1, dueOn: '2027-04-30' },
      { caseId: stored.caseId, number: 2, dueOn: '2027-06-14', visitedOn: '2027-06-10', outcome: 'on_track' },
      { caseId: stored.caseId, number: 3, dueOn: '2027-06-15' },
    ];
    const arrived = { ...stored, status: 'arrived' as const, planDueOn: '2027-03-02' };
    expect(overdueItems(arrived, visits, today)).toEqual([
      { item: 'PLAN', event: 'plan_overdue', dueOn: '2027-03-02' },
      { item: 'VISIT#001', event: 'visit_overdue', dueOn: '2027-04-30' },
    ]);
    expect(overdueItems({ ...arrived, status: 'closed' }, visits, today)).toEqual([]);
  });

  it('go to the receiver and each coordinator, with ids a repeat would share and nothing about the person', () => {
    const visit = { item: 'VISIT#001', event: 'visit_overdue', dueOn: '2027-04-30' } as const;
    const messages = reminderMessages({ ...stored, status: 'arrived' }, visit, ['coordinator-fr-1', 'coordinator-be-1']);
    expect(messages.map((message) => message.recipient)).toEqual([
      { role: 'receiver', partnerId: 'receiver-al-1' },
      { role: 'coordinator', partnerId: 'coordinator-fr-1' },
      { role: 'coordinator', partnerId: 'coordinator-be-1' },
    ]);
    for (const message of messages) {
      expect(notificationMessageSchema.parse(message)).toEqual(message);
      expect(message).toMatchObject({
        kind: 'reminder',
        event: 'visit_overdue',
        caseId: stored.caseId,
        reference: stored.reference,
        item: 'VISIT#001',
        dueOn: '2027-04-30',
      });
    }
    expect(new Set(messages.map((message) => message.notificationId)).size).toBe(3);
    // Another run, another day: the same ids; another item: other ids.
    expect(reminderMessages({ ...stored, status: 'monitoring' }, visit, ['coordinator-be-1']).map((m) => m.notificationId)).toEqual([
      messages[0]!.notificationId,
      messages[2]!.notificationId,
    ]);
    const plan = reminderMessages({ ...stored, status: 'arrived' }, { item: 'PLAN', event: 'plan_overdue', dueOn: '2027-03-02' }, [
      'coordinator-fr-1',
    ]);
    expect(plan.map((message) => message.notificationId)).not.toContain(messages[0]!.notificationId);
    const { givenName, familyName, dateOfBirth, phone } = tactReferral().person;
    for (const value of [givenName, familyName, dateOfBirth, phone, tactReferral().destinationLocality]) {
      expect(JSON.stringify(messages)).not.toContain(value);
    }
  });

  it('a case without a receiver reminds the coordinators alone', () => {
    const { receiverId: _none, ...unassigned } = stored;
    const messages = reminderMessages({ ...unassigned, status: 'arrived' }, { item: 'PLAN', event: 'plan_overdue', dueOn: '2027-03-02' }, [
      'coordinator-fr-1',
    ]);
    expect(messages.map((message) => message.recipient)).toEqual([{ role: 'coordinator', partnerId: 'coordinator-fr-1' }]);
  });
});
