import { expect } from 'vitest';
import { addDays } from '../../../events/dates.ts';
import type { NotificationEvent } from '../../../events/notification.ts';
import { programmeDefinitionSchema } from '../../../events/programme.ts';
import { programmeDefinitionFiles } from '../../../events/programmes/index.ts';
import { waitFor } from '../../support/harness.ts';
import { distinctiveReferral, personalValuesOf } from '../../support/personal-data.ts';
import { dayFromToday, expectOk, type PartnerCall, waitForPlatform } from './case-path.ts';
import { allEventSubjects, type CaseIdentity, deliveriesOf, type ExpectedEmail, type stakeholderEmails } from './stakeholder-emails.ts';

/*
 * Issue 8's end-to-end path, step by step: one TACT case from France to Albania, each step by its
 * partner over HTTP, and after each step the stakeholders' emails awaited and checked word for word;
 * at the end the case's history and each stakeholder's emails, each exactly once. Run as it is by
 * tact-case-path.test.ts, and with every delivery doubled by doubled-deliveries.test.ts.
 */
const referrer = 'demo-referrer-fr';
const receiver = 'demo-receiver-al';
const coordinator = 'demo-coordinator';

const tact = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']);
const visitNote = 'Met at the Rinas airport office; training started.';

/** Walks one new case from submission to closure; returns its id. */
export async function walkTactCasePath(call: PartnerCall, emails: Awaited<ReturnType<typeof stakeholderEmails>>): Promise<string> {
  const referral = distinctiveReferral();
  expect(emails.coordinatorIds).toEqual([coordinator]);
  const sent: ExpectedEmail[] = [];
  /** Waits until every stakeholder of `event` has their email, word for word (duplicates are counted at the end). */
  const expectTold = async (event: NotificationEvent, identity: CaseIdentity) => {
    const expected = await emails.expectedFor(event, identity);
    expect(expected.length, `nobody to tell of ${event}`).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const inbox = await emails.inbox();
        return expected.every((email) => deliveriesOf(email, inbox).length > 0);
      },
      { timeoutMs: 45_000, intervalMs: 250, description: `the ${event} emails to ${expected.map((email) => email.recipient).join(', ')}` }
    );
    sent.push(...expected);
  };

  // Submission, then the platform: the eligibility engine decides, the offer consumer offers the case to the Albanian partner.
  const submitted = expectOk(await call(referrer, 'POST', '/v1/referrals', referral), 201);
  const caseId: string = submitted.id;
  const path = `/v1/referrals/${caseId}`;
  expect(submitted.reference).toMatch(/^TACT-FR-\d{6}$/);
  const before = { caseId, reference: submitted.reference as string, referrerId: referrer };
  await expectTold('submitted', before);

  const offered = await waitForPlatform(call, referrer, caseId);
  expect(offered).toMatchObject({
    status: 'eligible',
    receiverId: receiver,
    eligibility: { outcome: 'eligible', reasons: [], decidedBy: 'system' },
  });
  // Eligible before it was offered, so the receiver hears of the case with the offer.
  await expectTold('eligible', before);
  const identity = { ...before, receiverId: receiver };
  await expectTold('reassigned', identity);

  expectOk(await call(receiver, 'POST', `${path}/accept`, { note: 'We will meet her at Rinas airport.' }));
  await expectTold('accepted', identity);

  // Travel long enough ago that every visit of TACT's schedule is due, each recorded on its due day.
  const schedule = tact.monitoring.visitDaysAfterArrival;
  const arrivedOn = dayFromToday(-(schedule.at(-1)! + 1));
  const departedOn = addDays(arrivedOn, -1);
  expectOk(await call(referrer, 'POST', `${path}/departure`, { plannedOn: departedOn }));
  expect(expectOk(await call(referrer, 'POST', `${path}/departure`, { departedOn, escorted: false })).status).toBe('departed');
  await expectTold('departed', identity);

  const reception = [
    { service: 'airport_reception', providedOn: arrivedOn },
    { service: 'accommodation', providedOn: arrivedOn },
    { service: 'medical_checkup', providedOn: addDays(arrivedOn, 1) },
  ];
  expectOk(await call(receiver, 'POST', `${path}/arrival`, { arrivedOn, reception }));
  await expectTold('arrived', identity);
  const arrived = expectOk(await call(coordinator, 'GET', path));
  expect(arrived.arrival).toEqual({ arrivedOn, reception });
  expect(arrived.plan).toEqual({ dueOn: addDays(arrivedOn, tact.monitoring.planDueDays), overdue: true, versions: [] });
  expect(arrived.visits).toEqual(schedule.map((days, index) => ({ number: index + 1, dueOn: addDays(arrivedOn, days), overdue: true })));

  // The plan within TACT's categories and limits: returned once, then approved.
  const [first, second, third] = tact.reintegration.categories;
  const draft = {
    currency: tact.reintegration.currency,
    items: [first!, second!].map(({ category, limit }) => ({ category, amount: Math.floor(limit / 2) })),
    note: 'Rent for six months and a hairdressing course.',
  };
  expect(expectOk(await call(receiver, 'PUT', `${path}/plan`, draft))).toMatchObject({ version: 1, status: 'submitted' });
  expectOk(await call(coordinator, 'POST', `${path}/plan/return`, { note: 'Add the medical follow-up.' }));
  const revised = { ...draft, items: [...draft.items, { category: third!.category, amount: Math.floor(third!.limit / 4) }] };
  expect(expectOk(await call(receiver, 'PUT', `${path}/plan`, revised))).toMatchObject({ version: 2, status: 'submitted' });
  const approved = expectOk(await call(coordinator, 'POST', `${path}/plan/approve`, { note: 'Approved as revised.' }));
  expect(approved).toMatchObject({ version: 2, status: 'approved', approvedVersion: 2, items: revised.items, overdue: false });
  await expectTold('reintegrating', identity);

  // The scheduled visits; the first one starts the monitoring.
  const outcomes = ['on_track', 'needs_support', 'on_track'] as const;
  for (const [index, days] of schedule.entries()) {
    const visitedOn = addDays(arrivedOn, days);
    const outcome = outcomes[index % outcomes.length]!;
    const recorded = expectOk(await call(receiver, 'POST', `${path}/monitoring-visits`, { visitedOn, outcome, note: visitNote }), 201);
    expect(recorded).toMatchObject({ number: index + 1, dueOn: visitedOn, visitedOn, outcome, recordedBy: receiver, overdue: false });
    if (index === 0) await expectTold('monitoring', identity);
  }

  expect(expectOk(await call(coordinator, 'POST', `${path}/close`, { exitReason: 'completed' })).status).toBe('closed');
  await expectTold('closed', identity);

  // The case as the referrer sees it at the end, every step in its history with who took it.
  const final = expectOk(await call(referrer, 'GET', path));
  expect(final).toMatchObject({
    status: 'closed',
    receiverId: receiver,
    departure: { plannedOn: departedOn, departedOn, escorted: false },
    arrival: { arrivedOn },
    closure: { exitReason: 'completed', closedBy: coordinator, statusBeforeClosure: 'monitoring' },
    plan: { approvedVersion: 2, overdue: false },
  });
  expect(final.plan.versions.map((version: { version: number; status: string }) => [version.version, version.status])).toEqual([
    [1, 'returned'],
    [2, 'approved'],
  ]);
  expect(final.visits.map((visit: { outcome: string; overdue: boolean }) => [visit.outcome, visit.overdue])).toEqual(
    schedule.map((_, index) => [outcomes[index % outcomes.length], false])
  );
  expect(final.history.map((entry: { action: string; by: string; toStatus: string }) => [entry.action, entry.by, entry.toStatus])).toEqual([
    ['submitted', referrer, 'submitted'],
    ['assessed', 'system', 'eligible'],
    ['offered', 'system', 'eligible'],
    ['accepted', receiver, 'accepted'],
    ['departure_planned', referrer, 'accepted'],
    ['departed', referrer, 'departed'],
    ['arrived', receiver, 'arrived'],
    ['plan_submitted', receiver, 'arrived'],
    ['plan_returned', coordinator, 'arrived'],
    ['plan_submitted', receiver, 'arrived'],
    ['plan_approved', coordinator, 'reintegrating'],
    ...schedule.map(() => ['visit_recorded', receiver, 'monitoring']),
    ['closed', coordinator, 'closed'],
  ]);
  expect(JSON.stringify(final.history)).not.toContain('Rinas');

  // Each stakeholder got each email once, and no other case email: none for the steps that keep
  // the status (departure planned, plan drafts and return, the later visits). Reminders the daily
  // schedule may send meanwhile are not case-event emails and are left out of this count.
  const inbox = await emails.inbox();
  const aboutCase = inbox.filter((email) => email.body.text?.includes(`/${caseId}`));
  const eventSubjects = await allEventSubjects(submitted.reference);
  const line = (to: readonly string[], subject: string) => `${[...to].sort().join(',')} | ${subject}`;
  expect(
    aboutCase
      .filter((email) => eventSubjects.has(email.subject))
      .map((email) => line(email.destination.to, email.subject))
      .sort()
  ).toEqual(sent.map((email) => line(email.to, email.subject)).sort());
  // Each in their language: the French referrer in French; the Albanian receiver's language has no
  // templates yet, so it reads English, as do the coordinator and finance (told of the closure).
  expect(Object.fromEntries(sent.map((email) => [email.recipient, email.language]))).toEqual({
    [referrer]: 'fr',
    [receiver]: 'en',
    [coordinator]: 'en',
    finance: 'en',
  });

  // No personal value of the referral, nor the partners' free-text notes, in any email about the case.
  const personal = [...personalValuesOf(referral), 'Rinas'];
  for (const email of aboutCase) {
    const content = `${email.subject}\n${email.body.text ?? ''}\n${email.body.html ?? ''}`;
    for (const value of personal) expect(content, `${email.subject} to ${email.destination.to.join(',')}`).not.toContain(value);
  }
  return caseId;
}
