import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NotificationEvent } from '../../events/notification.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { api, registerPartner } from '../support/api.ts';
import { applyCaseAction } from '../support/case-actions.ts';
import { streamEvent } from '../support/case-stream.ts';
import { consumerQueue, eventsOfRecord, followDomainEvents } from '../support/domain-events.ts';
import { captureLogs, waitFor } from '../support/harness.ts';
import { emailsAbout, inbox, toAndSubject } from '../support/inbox.ts';
import { distinctiveReferral, expectNoPersonalValue, personalValuesOf } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const logs = captureLogs();
const { handler: caseEvents } = await import('../../functions/case-events.ts');
const { handler: mailer } = await import('../../functions/mailer.ts');
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { newCaseFromReferral } = await import('../../functions/domain/referral-case.ts');
const { loadLanguagePack, renderEmail } = await import('../../functions/domain/notifications/emails.ts');

const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());
const notifications = queuePoller('NotificationsQueue');
const events = await followDomainEvents();
const caseEventsQueue = consumerQueue('StakeholderNotificationsCaseEvents');
const eventBodies: string[] = [];
const queuedBodies: string[] = [];
const tag = randomUUID().slice(0, 8);

type Partner = Awaited<ReturnType<typeof registerPartner>>;
let paris: Partner;
let tirana: Partner;
let shkoder: Partner;
let lyon: Partner;
let brussels: Partner;
let retired: Partner;
let offboarded: Partner;

beforeAll(async () => {
  [paris, tirana, shkoder, lyon, brussels, retired, offboarded] = await Promise.all([
    registerPartner(['referrer'], 'FR', 'active', { language: 'fr', emails: [`orientations-${tag}@paris-ngo.example.org`] }),
    // No Albanian templates yet: this partner is written to in English.
    registerPartner(['receiver'], 'AL', 'active', { language: 'sq', emails: [`cases-${tag}@tirana-ngo.example.org`] }),
    registerPartner(['receiver'], 'AL', 'active', { language: 'en', emails: [`intake-${tag}@shkoder-ngo.example.org`] }),
    registerPartner(['coordinator'], 'FR', 'active', { language: 'fr', emails: [`coordination-${tag}@iom-paris.example.org`] }),
    registerPartner(['coordinator'], 'BE', 'active', { language: 'en', emails: [`trm-${tag}@coordination.example.org`] }),
    registerPartner(['coordinator'], 'FR', 'disabled', { language: 'en', emails: [`retired-${tag}@coordination.example.org`] }),
    registerPartner(['receiver'], 'AL', 'disabled', { language: 'en', emails: [`closed-${tag}@former-ngo.example.org`] }),
  ]);
});

const financeAddress = process.env.FINANCE_ADDRESS!;
const caseLink = (caseId: string) => `${process.env.CASE_BASE_URL}/${caseId}`;
const to = (partner: Partner | 'finance') => (partner === 'finance' ? financeAddress : [...partner.emails].sort().join(','));
const mine = (addresses: string) =>
  [paris, tirana, shkoder, lyon, brussels, retired, offboarded].some((partner) => addresses.startsWith(to(partner))) ||
  addresses.startsWith(financeAddress);

/** The subject an event has in a partner's language (finance and Albanian fall back to English). */
const subjectFor = async (partner: Partner | 'finance', event: NotificationEvent, reference: string) => {
  const language = partner === 'finance' || partner.language === 'sq' ? 'en' : partner.language;
  const pack = (await loadLanguagePack(language))!;
  const role = Object.keys(pack.events[event].todo)[0] as 'referrer';
  return renderEmail(pack, event, role, { reference, link: '' }).subject;
};

/**
 * Every stream record of what happened since the last call published twice (so each event is on the
 * case-events queue twice), every event message delivered twice, then every notification twice.
 */
const deliverChanges = async () => {
  const published = await events.publish(2);
  const consumed = await caseEventsQueue.deliver(caseEvents, published.events, { copies: 2, deliveries: 2 });
  eventBodies.push(...consumed.received.map((message) => message.Body!));
  const drained = await notifications.drain(mailer, { deliveries: 2 });
  queuedBodies.push(...drained.received.map((message) => message.Body!));
  return Object.assign(drained, { events: consumed.received });
};

const createCase = async (referral = distinctiveReferral()) => {
  const reference = await cases.allocateReference('TACT', 'FR');
  const created = newCaseFromReferral(
    referralRequestSchema.parse(referral),
    { caseId: randomUUID(), reference, referrerId: paris.partnerId },
    new Date()
  );
  await cases.create(created.case, created.history);
  return created.case;
};

const myEmailsAbout = async (caseId: string, count: number) =>
  waitFor(
    async () => {
      const emails = (await emailsAbout(caseId)).filter((email) => mine(email.destination.to.join(',')));
      return emails.length >= count && emails;
    },
    { description: `${count} emails about case ${caseId}` }
  );

describe('from a referral to the inbox', () => {
  it("acknowledges a submitted referral in the referrer's language, then tells the eligibility decision to each partner in theirs", async () => {
    const created = await api.call('POST /v1/referrals', { key: paris.key, body: distinctiveReferral() });
    expect(created.status).toBe(201);
    const { id: caseId, reference } = created.body as { id: string; reference: string };
    await deliverChanges();

    const [acknowledgement] = await myEmailsAbout(caseId, 1);
    expect(toAndSubject([acknowledgement!])).toEqual([`${to(paris)} | Orientation ${reference} reçue`]);
    expect(acknowledgement!.from).toBe(process.env.SENDER_ADDRESS);
    expect(acknowledgement!.body.text).toContain(`Votre orientation ${reference} a été reçue`);
    expect(acknowledgement!.body.text).toContain(caseLink(caseId));
    expect(acknowledgement!.body.html).toContain(`<a href="${caseLink(caseId)}">`);

    await applyCaseAction(caseId, 'assessEligible', { receiverId: tirana.partnerId });
    await deliverChanges();

    const emails = await myEmailsAbout(caseId, 5);
    expect(toAndSubject(emails)).toEqual(
      [
        `${to(paris)} | Orientation ${reference} reçue`,
        `${to(paris)} | Orientation ${reference} éligible`,
        `${to(tirana)} | Referral ${reference} is eligible`,
        `${to(lyon)} | Orientation ${reference} éligible`,
        `${to(brussels)} | Referral ${reference} is eligible`,
      ].sort()
    );
    const forTirana = emails.find((email) => email.destination.to.includes(tirana.emails[0]!))!;
    expect(forTirana.body.text).toContain('Review the case and accept or decline it.');
    expect(forTirana.body.html).toContain('<html lang="en"');
  });
});

describe('exactly once', () => {
  it('every stream record and every queue message delivered twice: each (event, recipient) of a whole case life is emailed once', async () => {
    const created = await createCase();
    const { caseId, reference } = created;
    const steps: Array<[Parameters<typeof applyCaseAction>[1], { receiverId?: string }?]> = [
      ['assessWaitlisted'],
      ['promote', { receiverId: tirana.partnerId }],
      // Only an open offer can be reassigned (a declined case gave its place back): the decline row
      // is covered by the unit tests of the recipients table.
      ['reassign', { receiverId: shkoder.partnerId }],
      ['accept'],
      ['planDeparture'],
      ['depart'],
      ['arrive'],
      ['approvePlan'],
      ['recordVisit'],
      ['close'],
    ];
    // The SQS messages carrying each notification (a message failed once is received again: same id),
    // and those carrying each event to the case-events consumer.
    const copies = new Map<string, Set<string>>();
    const eventCopies = new Map<string, Set<string>>();
    const count = (drained: Awaited<ReturnType<typeof deliverChanges>>) => {
      for (const message of drained.received) {
        const { notificationId } = JSON.parse(message.Body!) as { notificationId: string };
        copies.set(notificationId, (copies.get(notificationId) ?? new Set()).add(message.MessageId!));
      }
      for (const message of drained.events) {
        const { eventId } = JSON.parse(message.Body!).detail as { eventId: string };
        eventCopies.set(eventId, (eventCopies.get(eventId) ?? new Set()).add(message.MessageId!));
      }
    };
    count(await deliverChanges());
    for (const [action, options] of steps) {
      await applyCaseAction(caseId, action, options);
      const drained = await deliverChanges();
      // Planning a departure keeps the status: a change, but no event.
      if (action === 'planDeparture') expect(drained.received).toEqual([]);
      count(drained);
    }

    const told: Array<[NotificationEvent, Array<Partner | 'finance'>]> = [
      ['submitted', [paris]],
      ['waitlisted', [paris, lyon, brussels]],
      ['promoted', [tirana, paris, lyon, brussels]],
      ['reassigned', [shkoder, paris, lyon, brussels]],
      ['accepted', [paris, lyon, brussels]],
      ['departed', [shkoder, lyon, brussels]],
      ['arrived', [paris, lyon, brussels]],
      ['reintegrating', [shkoder, lyon, brussels]],
      ['monitoring', [lyon, brussels]],
      ['closed', [shkoder, paris, lyon, brussels, 'finance']],
    ];
    const expected: string[] = [];
    for (const [event, recipients] of told) {
      for (const recipient of recipients) expected.push(`${to(recipient)} | ${await subjectFor(recipient, event, reference)}`);
    }
    const emails = await myEmailsAbout(caseId, expected.length);
    expect(toAndSubject(emails)).toEqual(expected.sort());

    // Coordinators registered by other test files are told too: once each as well.
    const everyone = toAndSubject(await emailsAbout(caseId));
    expect(new Set(everyone).size).toBe(everyone.length);
    // The duplicates really happened: each event reached the consumer's queue twice, once per
    // publication of its stream record, and each of those messages was handed over twice; the
    // consumer handled each event once (idempotency on the event id), so each notification was
    // queued once, and the mailer was handed each twice.
    expect(copies.size).toBeGreaterThanOrEqual(expected.length);
    expect(eventCopies.size).toBeGreaterThanOrEqual(told.length);
    expect([...eventCopies.values()].every((copiesOfOne) => copiesOfOne.size === 2)).toBe(true);
    expect([...copies.values()].every((copiesOfOne) => copiesOfOne.size === 1)).toBe(true);
  });

  it('two execution environments handed the same notification at the same time send it once', async () => {
    const { caseId } = await createCase();
    await caseEventsQueue.deliver(caseEvents, (await events.publish()).events);
    // The queue is at least once: the same notification message comes twice.
    const [queued] = await notifications.receive(1);
    await notifications.send(queued!.Body!);
    await notifications.settle([queued!], new Set([queued!.MessageId!]));
    const first = await notifications.receive(1);
    const second = await notifications.receive(1);
    expect(JSON.parse(first[0]!.Body!).notificationId).toBe(JSON.parse(second[0]!.Body!).notificationId);
    queuedBodies.push(first[0]!.Body!, second[0]!.Body!);

    vi.resetModules();
    const { handler: otherEnvironment } = await import('../../functions/mailer.ts');
    const [failedFirst, failedSecond] = await Promise.all([
      notifications.invoke(mailer, first),
      notifications.invoke(otherEnvironment, second),
    ]);
    await notifications.settle(first, new Set(failedFirst));
    await notifications.settle(second, new Set(failedSecond));
    await notifications.drain(mailer);

    expect(toAndSubject(await myEmailsAbout(caseId, 1))).toHaveLength(1);
  });
});

describe('what is not an email', () => {
  it('a case item that breaks its contract fails alone at the publisher; the other changes of the batch are published and queued', async () => {
    const brokenId = randomUUID();
    await documentClient.send(
      new PutCommand({
        TableName: process.env.CASES_TABLE_NAME,
        Item: { pk: `CASE#${brokenId}`, sk: 'CASE', caseId: brokenId, status: 'submitted', version: 1 },
      })
    );
    const { caseId, reference } = await createCase();
    const { handler: publisher } = await import('../../functions/publish-events.ts');
    const records = await events.records();
    const broken = records.find((record) => record.dynamodb?.Keys?.pk?.S === `CASE#${brokenId}`)!;

    const response = await publisher(streamEvent(records), lambdaContext('EventsPublisher'));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: broken.dynamodb!.SequenceNumber }]);
    const published = records.filter((record) => record !== broken).flatMap(eventsOfRecord);
    await caseEventsQueue.deliver(caseEvents, published);
    await notifications.drain(mailer);
    expect(toAndSubject(await myEmailsAbout(caseId, 1))).toEqual([`${to(paris)} | Orientation ${reference} reçue`]);
  });

  it('a partner that has been switched off is told nothing, and nothing is left waiting for it', async () => {
    const { caseId, reference } = await createCase();
    await applyCaseAction(caseId, 'assessEligible', { receiverId: offboarded.partnerId });
    const drained = await deliverChanges();
    expect(drained.rounds.at(-1)?.failedIds).toEqual([]);
    expect(toAndSubject(await myEmailsAbout(caseId, 4))).toEqual(
      [
        `${to(paris)} | Orientation ${reference} reçue`,
        `${to(paris)} | Orientation ${reference} éligible`,
        `${to(lyon)} | Orientation ${reference} éligible`,
        `${to(brussels)} | Referral ${reference} is eligible`,
      ].sort()
    );
  });
});

afterAll(async () => {
  events.close();
  notifications.close();
  logs.stop();
  const emails = await inbox();
  const values = personalValuesOf(distinctiveReferral());
  // The checks can fail: the emails and messages are there, and the referral carries the values.
  expect(emails.length).toBeGreaterThan(40);
  expect(queuedBodies.length).toBeGreaterThan(40);
  expect(logs.text()).toContain('notification sent');
  for (const email of emails) {
    expectNoPersonalValue(`email ${email.subject}`, [email.subject, email.body.text, email.body.html].join('\n'), values);
  }
  expectNoPersonalValue('the notification messages', queuedBodies.join('\n'), values);
  expect(eventBodies.length).toBeGreaterThan(20);
  expectNoPersonalValue('the domain events', eventBodies.join('\n'), values);
  expectNoPersonalValue('the logs', logs.text(), values);
  const addresses = emails.flatMap((email) => email.destination.to);
  expect(addresses).not.toContain(retired.emails[0]);
  expect(addresses).not.toContain(offboarded.emails[0]);
});
