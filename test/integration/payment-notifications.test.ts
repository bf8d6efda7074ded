import { afterAll, describe, expect, it } from 'vitest';
import { notificationMessageSchema } from '../../events/notification.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { disbursementExample, paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { consumerQueue, eventsOfRecord, followDomainEvents } from '../support/domain-events.ts';
import { captureLogs, waitFor } from '../support/harness.ts';
import { emailsAbout, inbox, toAndSubject } from '../support/inbox.ts';
import type { Json } from '../support/json.ts';
import {
  approvedPayment,
  coordinator,
  finance,
  loggedPersonalValues,
  otherFinance,
  personalValues,
  receiver,
  referrer,
  requestAndProcess,
  today,
} from '../support/payment-parties.ts';
import { drainPaymentsQueue, givenReintegratingCase, paymentStep, transferInstructions } from '../support/payments.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const logs = captureLogs();
const { handler: mailer } = await import('../../functions/mailer.ts');
/** Every message the notifications queue and the notifier's queue carried in this file, for the personal-data check at the end. */
const queuedBodies: string[] = [];

describe('notifications', () => {
  const notifications = queuePoller('NotificationsQueue');
  const notifierQueue = consumerQueue('PaymentProcessingNotifier');
  /** The payment events routed to the notifier, each message handed over `deliveries` times. */
  const deliverToNotifier = async (
    events: Parameters<typeof notifierQueue.deliver>[1],
    options: { copies?: number; deliveries?: number } = {}
  ) => {
    const { handler: notifier } = await import('../../functions/payment-events.ts');
    const consumed = await notifierQueue.deliver(notifier, events, options);
    queuedBodies.push(...consumed.received.map((message) => message.Body!));
    return consumed;
  };
  const financeAddress = process.env.FINANCE_ADDRESS!;
  const paymentLink = (caseId: string, paymentId: string) => `${process.env.CASE_BASE_URL}/${caseId}/payments/${paymentId}`;

  /** Every queue message handed to the mailer twice, as an at-least-once queue may. */
  const mailEverything = async () => {
    const drained = await notifications.drain(mailer, { deliveries: 2 });
    queuedBodies.push(...drained.received.map((message) => message.Body!));
    // A message failed once (its copy was being sent at that moment) is received again: one entry per SQS message.
    const unique = new Map(drained.received.map((message) => [message.MessageId!, message.Body!]));
    return [...unique.values()].map((body) => JSON.parse(body) as Record<string, Json>);
  };

  it('finance is emailed what to act on and the requester each outcome, once each, with the stream records and queue messages delivered twice', async () => {
    const stream = await followDomainEvents();
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const paid = await requestAndProcess(caseId);
    expect((await paymentStep(coordinator, 'approve', paid.id)).status).toBe(200);
    expect((await paymentStep(finance, 'disbursed', paid.id, disbursementExample(today()))).status).toBe(200);
    const reviewed = await requestAndProcess(caseId, paymentRequest({ amount: 3_000 }));
    expect((await paymentStep(coordinator, 'reject', reviewed.id, { reason: 'missing_documents', note: 'Send the invoice.' })).status).toBe(
      200
    );
    const refused = await requestAndProcess(caseId, paymentRequest({ amount: 90_000 }));
    expect(refused.status).toBe('rejected');

    // Every stream record published twice, every event message handed to the notifier twice.
    const published = await stream.publish(2);
    const consumed = await deliverToNotifier(published.events, { copies: 2, deliveries: 2 });
    const queued = (await mailEverything()).filter((message) => message.caseId === caseId);
    for (const message of queued) notificationMessageSchema.parse(message);
    // The duplicates really happened: each payment event reached the notifier's queue twice, once per
    // publication of its record; the notifier handled each once (idempotency on the event id), so
    // each notification was queued once.
    const eventCopies = Map.groupBy(consumed.bodies, (body) => body.detail.eventId as string);
    expect(eventCopies.size).toBe(notifierQueue.routed(published.events).length);
    expect([...eventCopies.values()].every((copiesOfOne) => copiesOfOne.length === 2)).toBe(true);
    const copies = Map.groupBy(queued, (message) => message.notificationId as string);
    expect(copies.size).toBe(7);
    expect([...copies.values()].every((copiesOfOne) => copiesOfOne.length === 1)).toBe(true);

    const reference = paid.caseReference as string;
    const toReceiver = receiver.emails[0]!;
    const emails = await waitFor(
      async () => {
        const found = await emailsAbout(caseId);
        return found.length >= 7 && found;
      },
      { description: 'the 7 payment emails of the case' }
    );
    expect(toAndSubject(emails)).toEqual(
      [
        `${financeAddress} | Case ${reference}: payment of €125.00 awaiting approval`,
        `${financeAddress} | Case ${reference}: payment of €125.00 to disburse`,
        `${toReceiver} | Case ${reference}: payment of €125.00 approved`,
        `${toReceiver} | Case ${reference}: payment of €125.00 disbursed`,
        `${financeAddress} | Case ${reference}: payment of €30.00 awaiting approval`,
        `${toReceiver} | Case ${reference}: payment of €30.00 rejected`,
        `${toReceiver} | Case ${reference}: payment of €900.00 rejected`,
      ].sort()
    );
    const bySubject = (subject: string) => emails.find((email) => email.subject === `Case ${reference}: ${subject}`)!;
    expect(bySubject('payment of €125.00 awaiting approval').body.text).toContain('approve or reject it');
    expect(bySubject('payment of €125.00 awaiting approval').body.text).toContain(paymentLink(caseId, paid.id));
    expect(bySubject('payment of €125.00 to disburse').body.text).toContain('confirm the disbursement with the transfer reference');
    expect(bySubject('payment of €30.00 rejected').body.text).toContain('rejected: supporting documents are missing (missing_documents).');
    expect(bySubject('payment of €900.00 rejected').body.text).toContain(
      'rejected: the amount is more than what remains of the category budget (OVER_BUDGET).'
    );
    expect(bySubject('payment of €900.00 rejected').body.html).toContain(`<a href="${paymentLink(caseId, refused.id)}">`);

    // A later redelivery of the same records (a retried batch) publishes the same events: the
    // notifier has handled them, so nothing more is queued, and the mailer sends nothing more.
    const republished = await stream.republish();
    stream.close();
    expect(republished.events).toEqual(published.events);
    await deliverToNotifier(republished.events);
    const again = (await mailEverything()).filter((message) => message.caseId === caseId);
    expect(again).toEqual([]);
    expect(await emailsAbout(caseId)).toHaveLength(7);
  });

  it('a disclosure changes no status, so the notifier makes no message of it', async () => {
    const stream = await followDomainEvents();
    const payment = await approvedPayment();
    expect((await transferInstructions(finance, payment.id)).status).toBe(200);
    expect((await transferInstructions(otherFinance, payment.id)).status).toBe(200);

    // The reservation, the approval and both disclosures pass the publisher's filter (and the request, created).
    const { records, events } = await stream.publish();
    stream.close();
    const ofPayment = records.filter((record) => record.dynamodb?.Keys?.sk?.S === `PAYMENT#${payment.id}`);
    expect(ofPayment.filter((record) => record.eventName === 'MODIFY')).toHaveLength(4);
    // A disclosure changes no status: no event.
    expect(ofPayment.flatMap(eventsOfRecord).map((event) => event.type === 'payment.status_changed' && event.detail.status)).toEqual([
      'requested',
      'reserved',
      'approved',
    ]);
    await deliverToNotifier(events);

    const messages = (await mailEverything()).filter((message) => message.paymentId === payment.id);
    expect(messages.map((message) => message.event).sort()).toEqual([
      'payment_approved',
      'payment_awaiting_approval',
      'payment_awaiting_disbursement',
    ]);
    for (const value of personalValues) expect(JSON.stringify(messages)).not.toContain(value);
  });

  it('the daily digest of open payments is emailed to finance once per day, oldest first, without personal data', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const open = await requestAndProcess(caseId);
    const { handler: digest } = await import('../../functions/payments-digest.ts');
    const day = `2031-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
    const scheduled = { time: `${day}T06:00:00Z`, 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    const outcomes = await Promise.all([
      digest(scheduled as never, lambdaContext('Digest')),
      digest(scheduled as never, lambdaContext('Digest')),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['already-sent', 'sent']);
    expect((await digest(scheduled as never, lambdaContext('Digest'))).outcome).toBe('already-sent');

    const queued = (await mailEverything()).filter((message) => message.kind === 'payment_digest' && message.day === day);
    expect(queued).toHaveLength(1);
    const message = notificationMessageSchema.parse(queued[0]);
    if (message.kind !== 'payment_digest') throw new Error('not a digest');
    expect(message.open).toContainEqual(
      expect.objectContaining({ id: open.id, caseId, status: 'reserved', amount: 12_500, caseReference: open.caseReference })
    );
    const requestedTimes = message.open.map((entry) => entry.requestedAt);
    expect(requestedTimes).toEqual([...requestedTimes].sort());
    expect(message.totalOpen).toBeGreaterThanOrEqual(message.open.length);

    const longDay = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
    const subject = `Open payments on ${longDay}: ${message.totalOpen}`;
    const [email] = await waitFor(
      async () => {
        const found = (await inbox()).filter((candidate) => candidate.subject === subject);
        return found.length > 0 && found;
      },
      { description: `the digest of ${day}` }
    );
    expect(email!.destination.to).toEqual([financeAddress]);
    expect(email!.body.text).toContain(`- ${open.caseReference}: €125.00 for medical care, awaiting approval, requested on `);
    expect(email!.body.text).toContain(paymentLink(caseId, open.id));
    expect(email!.body.text?.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(message.open.length);
    // One email for the day, however many times the digest ran and its message was delivered.
    expect((await inbox()).filter((candidate) => candidate.subject.startsWith(`Open payments on ${longDay}:`))).toHaveLength(1);
  });

  afterAll(() => notifications.close());
});

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The checks below can fail: the payments carried these values, and emails and messages went out.
  const emails = (await inbox()).filter((email) => email.body.text?.includes('/payments/'));
  expect(emails.length).toBeGreaterThanOrEqual(8);
  expect(queuedBodies.length).toBeGreaterThanOrEqual(16);
  expect(text).toContain('notification sent');
  const sent = [...emails.map((email) => [email.subject, email.body.text, email.body.html].join('\n')), ...queuedBodies].join('\n');
  for (const value of [
    paymentRequestExample.payee.name,
    paymentRequestExample.payee.iban!,
    paymentRequestExample.purpose,
    'Send the invoice.',
  ]) {
    expect(sent).not.toContain(value);
  }
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  for (const value of loggedPersonalValues()) expect(text).not.toContain(value);
});
