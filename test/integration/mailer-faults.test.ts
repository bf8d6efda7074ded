import { createHash, randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CaseEvent, CaseNotification, Recipient } from '../../events/notification.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { registerPartner } from '../support/api.ts';
import {
  dynamoDbError,
  firstTimes,
  isDynamoDb,
  isSendEmail,
  sendEmailRecipients,
  sesError,
  startFaultProxy,
} from '../support/fault-proxy.ts';
import { captureLogs } from '../support/harness.ts';
import { emailsAbout, toAndSubject } from '../support/inbox.ts';
import { queuePoller } from '../support/sqs-poller.ts';

/*
 * Faults the emulators cannot produce (SES throttling and outages, a DynamoDB failure at one exact
 * write), injected by a proxy in front of them. The mailer runs unchanged with the SDK's real retry
 * strategy: only its endpoints point at the proxies, which pass everything else through.
 */
const sesProxy = await startFaultProxy(inject('endpoints').ses);
const dynamoDbProxy = await startFaultProxy(inject('endpoints').dynamodb);
process.env.AWS_ENDPOINT_URL_SES = sesProxy.url;
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamoDbProxy.url;

const logs = captureLogs();
const { handler: mailer } = await import('../../functions/mailer.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { notificationsFor } = await import('../../functions/domain/notifications/messages.ts');

const notifications = queuePoller('NotificationsQueue');
const deadLetters = queuePoller('NotificationsDeadLetter');
/** The notifications queue's maxReceiveCount (QueueWithDeadLetter's default). */
const maxReceiveCount = 5;
const tag = randomUUID().slice(0, 8);

type Partner = Awaited<ReturnType<typeof registerPartner>>;
let paris: Partner;
let tirana: Partner;
let bouncing: Partner;

beforeAll(async () => {
  [paris, tirana, bouncing] = await Promise.all([
    registerPartner(['referrer'], 'FR', 'active', {
      language: 'fr',
      emails: [`orientations-${tag}@paris-ngo.example.org`, `permanence-${tag}@paris-ngo.example.org`],
    }),
    registerPartner(['receiver'], 'AL', 'active', { language: 'en', emails: [`cases-${tag}@tirana-ngo.example.org`] }),
    registerPartner(['coordinator'], 'BE', 'active', { language: 'en', emails: [`bounces-${tag}@coordination.example.org`] }),
  ]);
});

/** Queues the notification of a change to one recipient, as the case-events consumer does. */
const notify = async (recipient: Recipient, event: CaseEvent = 'eligible'): Promise<CaseNotification> => {
  const [message] = notificationsFor(
    {
      event,
      case: {
        sk: 'CASE',
        caseId: randomUUID(),
        reference: `TACT-FR-${String(Math.floor(Math.random() * 900_000) + 100_000)}`,
        programmeId: 'TACT',
        referrerId: paris.partnerId,
        status: 'eligible',
        version: 2,
      },
    },
    [recipient]
  );
  await notifications.send(JSON.stringify(message));
  return message!;
};

const sendEmailsSince = (start: number) => sesProxy.requests.slice(start).filter(isSendEmail);

const sentRecordOf = async (notificationId: string) => {
  const hash = createHash('md5').update(JSON.stringify(notificationId)).digest('base64');
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME, Key: { id: `notification#${hash}` } })
  );
  return Item;
};

describe('SES failing for the first attempts', () => {
  it('throttled twice: the SDK backs off and retries within the invocation, and the email arrives once', async () => {
    const message = await notify({ role: 'receiver', partnerId: tirana.partnerId });
    const start = sesProxy.requests.length;
    sesProxy.inject(firstTimes(2, isSendEmail, sesError('Throttling', 'Maximum sending rate exceeded.')));
    const drained = await notifications.drain(mailer);
    sesProxy.passThrough();

    expect(sendEmailsSince(start)).toHaveLength(3);
    expect(drained.rounds.flatMap((round) => round.failedIds)).toEqual([]);
    expect(toAndSubject(await emailsAbout(message.caseId))).toEqual([`${tirana.emails[0]} | Referral ${message.reference} is eligible`]);
  });

  it('unavailable for longer than the SDK retries: SQS delivers the message again, and the email arrives once with its record', async () => {
    const message = await notify({ role: 'receiver', partnerId: tirana.partnerId });
    const start = sesProxy.requests.length;
    sesProxy.inject(firstTimes(5, isSendEmail, sesError('ServiceUnavailable', 'Service unavailable.', 503)));
    const drained = await notifications.drain(mailer);
    sesProxy.passThrough();

    // Five attempts by the SDK in the first delivery, then one in the second.
    expect(sendEmailsSince(start)).toHaveLength(6);
    expect(drained.rounds.map((round) => round.failedIds.length)).toEqual([1, 0]);
    const emails = await emailsAbout(message.caseId);
    expect(emails).toHaveLength(1);
    const record = await sentRecordOf(message.notificationId);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.data).toEqual({ outcome: 'sent', sesMessageId: emails[0]!.messageId, language: 'en' });
  });
});

describe('SES accepted the email but its record could not be written', () => {
  const idempotencyTable = () => process.env.IDEMPOTENCY_TABLE_NAME!;
  const logLineAbout = (text: string, notificationId: string) => {
    const line = logs
      .text()
      .split('\n')
      .find((entry) => entry.includes(text) && entry.includes(notificationId));
    return line === undefined ? undefined : JSON.parse(line);
  };

  it('DynamoDB failing for a few seconds after the send: the record is written late, and a later copy sends nothing', async () => {
    const message = await notify({ role: 'receiver', partnerId: tirana.partnerId });
    // An outage of the record's writes, as a DynamoDB restart makes: longer than the SDK's own
    // three attempts, shorter than the invocation.
    const outageEnds = Date.now() + 4_000;
    dynamoDbProxy.inject((request) =>
      isDynamoDb('UpdateItem', idempotencyTable())(request) && Date.now() < outageEnds ? dynamoDbError('InternalServerError') : undefined
    );
    const drained = await notifications.drain(mailer);
    dynamoDbProxy.passThrough();

    expect(drained.rounds.flatMap((round) => round.failedIds)).toEqual([]);
    const emails = await emailsAbout(message.caseId);
    expect(emails).toHaveLength(1);
    const record = await sentRecordOf(message.notificationId);
    expect(record?.status).toBe('COMPLETED');
    expect(record?.data).toEqual({ outcome: 'sent', sesMessageId: emails[0]!.messageId, language: 'en' });
    expect(logLineAbout('notification sent, recorded late', message.notificationId)).toMatchObject({
      level: 'WARN',
      sesMessageId: emails[0]!.messageId,
    });

    // A copy of the message (a stream record retried upstream) at any later time finds the record.
    const copy = { MessageId: randomUUID(), ReceiptHandle: randomUUID(), Body: JSON.stringify(message) };
    expect(await notifications.invoke(mailer, [copy])).toEqual([]);
    expect(await emailsAbout(message.caseId)).toHaveLength(1);
  });

  it('failing for the rest of the invocation: the message is not reported failed, so SQS does not send it again; a copy arriving meanwhile is held back', async () => {
    const message = await notify({ role: 'receiver', partnerId: tirana.partnerId });
    dynamoDbProxy.inject((request) =>
      isDynamoDb('UpdateItem', idempotencyTable())(request) ? dynamoDbError('InternalServerError') : undefined
    );
    // An invocation with 9 s left keeps trying the record for 4 s (the last 5 s are kept back).
    const received = await notifications.receive();
    expect(received.map((entry) => entry.Body)).toEqual([JSON.stringify(message)]);
    const failed = await notifications.invoke((event) => mailer(event, lambdaContext('Mailer', 9_000)), received);
    await notifications.settle(received, new Set(failed));
    dynamoDbProxy.passThrough();

    expect(failed).toEqual([]);
    const emails = await emailsAbout(message.caseId);
    expect(emails).toHaveLength(1);
    expect(logLineAbout('notification sent but not recorded', message.notificationId)).toMatchObject({
      level: 'ERROR',
      sesMessageId: emails[0]!.messageId,
    });
    expect((await sentRecordOf(message.notificationId))?.status).toBe('INPROGRESS');

    // A second copy while the send's lease holds: failed, to be retried later.
    const copy = { MessageId: randomUUID(), ReceiptHandle: randomUUID(), Body: JSON.stringify(message) };
    expect(await notifications.invoke(mailer, [copy])).toEqual([copy.MessageId]);
    expect(await emailsAbout(message.caseId)).toHaveLength(1);
  });
});

describe('a message that can never be sent', () => {
  it('ends in the dead-letter queue after every retry, and every other message of the same batches is delivered once', async () => {
    const sendable = [
      await notify({ role: 'receiver', partnerId: tirana.partnerId }),
      await notify({ role: 'referrer', partnerId: paris.partnerId }, 'accepted'),
      await notify({ role: 'finance' }, 'closed'),
    ];
    const poison = [
      await notify({ role: 'receiver', partnerId: `receiver-al-gone-${tag}` }),
      await notify({ role: 'coordinator', partnerId: bouncing.partnerId }),
    ];
    const malformed = ['{"notificationId":"not-one","event":"submitted"}', 'not JSON at all'];
    for (const body of malformed) await notifications.send(body);
    const start = sesProxy.requests.length;
    sesProxy.inject((request) =>
      isSendEmail(request) && sendEmailRecipients(request).includes(bouncing.emails[0]!)
        ? sesError('MessageRejected', `Email address is not verified: ${bouncing.emails[0]}`)
        : undefined
    );
    const drained = await notifications.drain(mailer);
    sesProxy.passThrough();

    const dead = [];
    for (let batch = await deadLetters.receive(); batch.length > 0; batch = await deadLetters.receive()) {
      dead.push(...batch);
      await deadLetters.settle(batch, new Set());
    }
    expect(dead.map((message) => message.Body).sort()).toEqual([...poison.map((message) => JSON.stringify(message)), ...malformed].sort());
    for (const { MessageId } of dead) {
      expect(drained.received.filter((message) => message.MessageId === MessageId)).toHaveLength(maxReceiveCount);
    }

    const [forTirana, forParis, forFinance] = await Promise.all(sendable.map((message) => emailsAbout(message.caseId)));
    expect(toAndSubject(forTirana!)).toEqual([`${tirana.emails[0]} | Referral ${sendable[0]!.reference} is eligible`]);
    expect(toAndSubject(forFinance!)).toEqual([`${process.env.FINANCE_ADDRESS} | Case ${sendable[2]!.reference} closed`]);
    expect(forFinance![0]!.body.text).toContain('Disburse no further payment for this case');
    expect(forParis!).toHaveLength(1);
    expect(forParis![0]!.subject).toBe(`Dossier ${sendable[1]!.reference} accepté dans le pays d'origine`);
    // Every mailbox of the partner is on the one email SES is asked to send (the emulator's
    // inbox keeps only the first To address, so the request itself is checked).
    const toParis = sendEmailsSince(start).filter((request) => sendEmailRecipients(request).includes(paris.emails[0]!));
    expect(toParis.map(sendEmailRecipients)).toEqual([paris.emails]);
  });
});

afterAll(async () => {
  logs.stop();
  notifications.close();
  deadLetters.close();
  await Promise.all([sesProxy.close(), dynamoDbProxy.close()]);
  // Failures are logged by name and id: not the SES error text, which quoted an address.
  expect(logs.text()).toContain('"errorName":"MessageRejected"');
  expect(logs.text()).not.toContain('Email address is not verified');
});
