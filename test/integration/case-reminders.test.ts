import { afterAll, describe, expect, it } from 'vitest';
import { visitItemId } from '../../events/lifecycle.ts';
import { notificationMessageSchema } from '../../events/notification.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { api } from '../support/api.ts';
import { captureLogs, waitFor } from '../support/harness.ts';
import { emailsAbout, type StoredEmail, toAndSubject } from '../support/inbox.ts';
import type { Json } from '../support/json.ts';
import { drainNotifications, platform } from '../support/lifecycle.ts';
import { arrivedCase, coordinator, read, receiver, submit, tactMonitoring, today } from '../support/lifecycle-cases.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const logs = captureLogs();
const { ReminderRepository } = await import('../../functions/adapters/reminder-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { handler: mailer } = await import('../../functions/mailer.ts');
const notifications = queuePoller('NotificationsQueue');

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
    const overdueItems = ['PLAN', ...tactMonitoring.visitDaysAfterArrival.map((_, index) => visitItemId(index + 1))];
    expect(first.remindersSent).toBeGreaterThanOrEqual(overdueItems.length);
    expect(second.remindersSent).toBe(0);

    const drained = await notifications.drain(mailer, { deliveries: 2 });
    const queued = drained.received.map((message) => JSON.parse(message.Body!) as Record<string, Json>);
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
  expectLogsFreeOfSamples(text, ['shelter is full']);
});
