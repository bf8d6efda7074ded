import { createHash } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  caseChangeImageSchema,
  maxDigestPayments,
  notificationMessageSchema,
  paymentChangeImageSchema,
  type Recipient,
} from '../../events/notification.ts';
import type { PaymentItem } from '../../events/payment.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { notificationMessage } from '../../events/samples/index.ts';
import { streamImage } from '../../functions/commons/stream.ts';
import { renderNotification } from '../../functions/domain/notifications/emails.ts';
import { caseChangeOf, notificationIdFor, notificationsFor } from '../../functions/domain/notifications/messages.ts';
import { newPayment } from '../../functions/domain/payment-request.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';
import {
  caseId,
  everyMessage,
  languages,
  links,
  packFor,
  parties,
  paymentId,
  sampleMessages,
  sampleOf,
  toldCombinations,
} from '../support/notification-samples.ts';
import { distinctiveReferral, expectNoPersonalValue, personalValuesOf } from '../support/personal-data.ts';

describe('notification messages', () => {
  const recipient: Recipient = { role: 'referrer', partnerId: 'referrer-fr-1' };

  it('have an id made of the change and the recipient only', () => {
    const id = notificationIdFor([caseId, '2'], 'eligible', recipient);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(notificationIdFor([caseId, '2'], 'eligible', { ...recipient })).toBe(id);
    const others = [
      notificationIdFor([caseId, '3'], 'eligible', recipient),
      notificationIdFor([caseId, '2'], 'promoted', recipient),
      notificationIdFor([caseId, '2'], 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-2' }),
      notificationIdFor([caseId, '2'], 'eligible', { role: 'finance' }),
      notificationIdFor(['4f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', '2'], 'eligible', recipient),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });

  it('a case change keeps the id it had before reminders and payments shared the contract', () => {
    // Sent records written before are keyed on these ids: a change redelivered across the deploy still finds its record.
    const legacy = createHash('sha256').update([caseId, '2', 'eligible', 'partner:referrer-fr-1'].join('|')).digest('hex');
    expect(notificationIdFor([caseId, '2'], 'eligible', recipient)).toBe(legacy);
  });

  it('name the same partner by the same id whatever role it is told in', () => {
    expect(notificationIdFor([caseId, '2'], 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-1' })).toBe(
      notificationIdFor([caseId, '2'], 'eligible', recipient)
    );
  });

  it('every sample message matches the contract, with an id of its own', () => {
    for (const message of sampleMessages) expect(notificationMessageSchema.parse(message), message.event).toEqual(message);
    expect(new Set(sampleMessages.map((message) => message.notificationId)).size).toBe(sampleMessages.length);
  });

  it('one per recipient, each matching the queue contract', () => {
    const change = caseChangeOf(undefined, {
      sk: 'CASE',
      caseId,
      reference: 'TACT-FR-000123',
      programmeId: 'TACT',
      referrerId: 'referrer-fr-1',
      status: 'submitted',
      version: 1,
    });
    const messages = notificationsFor(change!, [recipient, { role: 'finance' }]);
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(notificationMessageSchema.parse(message)).toEqual(message);
    expect(messages[0]).toEqual({
      kind: 'case',
      notificationId: notificationIdFor([caseId, '1'], 'submitted', recipient),
      event: 'submitted',
      caseId,
      reference: 'TACT-FR-000123',
      caseVersion: 1,
      recipient,
    });
  });

  it('the sample message matches the contract and carries the id its change and recipient give', () => {
    const sample = notificationMessageSchema.parse(notificationMessage());
    if (sample.kind !== 'case') throw new Error('the sample is a case notification');
    expect(sample.notificationId).toBe(notificationIdFor([sample.caseId, String(sample.caseVersion)], sample.event, sample.recipient));
  });

  it('the contract refuses an address or any other extra field', () => {
    const message = {
      kind: 'case',
      notificationId: 'a'.repeat(64),
      event: 'submitted',
      caseId,
      reference: 'TACT-FR-000123',
      caseVersion: 1,
      recipient,
    };
    expect(notificationMessageSchema.safeParse(message).success).toBe(true);
    expect(notificationMessageSchema.safeParse({ ...message, email: 'someone@example.org' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...message, recipient: { role: 'referrer' } }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...message, recipient: { role: 'finance', partnerId: 'x1' } }).success).toBe(false);
  });

  it('each kind takes only its own events and fields: a payee, a purpose or a note is refused', () => {
    const payment = sampleOf('payment_approved');
    expect(notificationMessageSchema.safeParse({ ...payment, payee: { name: 'Someone' } }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...payment, purpose: 'Rent' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...payment, event: 'eligible' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...sampleOf('eligible'), event: 'payment_approved' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...sampleOf('plan_overdue'), item: 'NOTE#1' }).success).toBe(false);
    const digest = sampleOf('payment_digest');
    expect(notificationMessageSchema.safeParse({ ...digest, recipient: { role: 'coordinator', partnerId: 'coordinator-1' } }).success).toBe(
      false
    );
    if (digest.kind !== 'payment_digest') throw new Error('not the digest');
    expect(notificationMessageSchema.safeParse({ ...digest, open: [{ ...digest.open[0], payee: { name: 'Someone' } }] }).success).toBe(
      false
    );
    expect(
      notificationMessageSchema.safeParse({ ...digest, open: Array.from({ length: maxDigestPayments + 1 }, () => digest.open[0]) }).success
    ).toBe(false);
    const { kind: _kind, ...withoutKind } = sampleOf('eligible');
    expect(notificationMessageSchema.safeParse(withoutKind).success).toBe(false);
  });
});

describe('no personal data in a notification', () => {
  const referral = distinctiveReferral();
  const created = newCaseFromReferral(
    referralRequestSchema.parse(referral),
    { caseId, reference: 'TACT-FR-000777', referrerId: parties.referrerId },
    new Date()
  );
  const item = { pk: `CASE#${caseId}`, sk: 'CASE', ...created.case, receiverId: parties.receiverId };
  const { givenName, familyName } = referral.person as { givenName: string; familyName: string };
  // The person is the payee of a beneficiary payment; the purpose and a reviewer's note name them too.
  const payee = { kind: 'beneficiary' as const, name: `${givenName} ${familyName}`, iban: 'AL35202111090000000001234567' };
  const purpose = `Rent of the room in Qafëmollë-Zhurravec for ${givenName}`;
  const note = `Called ${familyName} on +355 68 731 9264`;
  const paymentItem: PaymentItem = {
    ...newPayment(
      { category: 'housing', amount: 48_000, currency: 'EUR', payee, purpose },
      { paymentId, case: created.case, requestedBy: parties.receiverId },
      new Date('2027-06-01T08:00:00.000Z')
    ),
    status: 'rejected',
    reasonCode: 'REJECTED_ON_REVIEW',
    reviewReason: 'payee_not_verified',
  };
  paymentItem.steps.push({
    status: 'rejected',
    at: '2027-06-02T08:00:00.000Z',
    by: 'coordinator-1',
    reasonCode: 'REJECTED_ON_REVIEW',
    reviewReason: 'payee_not_verified',
    note,
  });
  const personalValues = [...personalValuesOf(referral), payee.name, payee.iban, purpose, note];

  const streamRecord = (image: Record<string, unknown>): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall({ pk: image.pk, sk: image.sk }) as never,
      NewImage: marshall(image, { removeUndefinedValues: true }) as never,
      SequenceNumber: '100',
    },
  });
  const record = streamRecord(item);
  const paymentRecord = streamRecord({ pk: `CASE#${caseId}`, sk: `PAYMENT#${paymentId}`, ...paymentItem });

  it('the case and the payment really carry the distinctive values (the checks below can fail)', () => {
    expect(() => expectNoPersonalValue('the case item', JSON.stringify(item), personalValues)).toThrow();
    expect(() => expectNoPersonalValue('the payment item', JSON.stringify(paymentItem), [payee.name, payee.iban, purpose, note])).toThrow();
  });

  it('the consumers read stream images without the person block, the payee, the purpose or the notes', () => {
    const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
    expect(Object.keys(image).sort()).toEqual(
      ['caseId', 'programmeId', 'receiverId', 'reference', 'referrerId', 'sk', 'status', 'version'].sort()
    );
    expectNoPersonalValue('the stream image the case-events consumer reads', JSON.stringify(image), personalValues);
    const payment = streamImage(paymentRecord, 'NewImage', paymentChangeImageSchema)!;
    expect(Object.keys(payment).sort()).toEqual(
      [
        'amount',
        'caseId',
        'caseReference',
        'category',
        'currency',
        'paymentId',
        'reasonCode',
        'requestedBy',
        'reviewReason',
        'status',
      ].sort()
    );
    expectNoPersonalValue('the stream image the payment-events consumer reads', JSON.stringify(payment), personalValues);
  });

  it.each(languages)(
    '%s: every template for every event and recipient, rendered from that case and payment, has none of them',
    async (language) => {
      const pack = await packFor(language);
      const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
      const payment = streamImage(paymentRecord, 'NewImage', paymentChangeImageSchema)!;
      // The reminders job is handed the whole case item here: what it copies is what a message may say.
      const reminded = { ...item, status: 'arrived' as const, planDueOn: '2027-03-02' };
      const open = {
        id: paymentId,
        caseId,
        caseReference: paymentItem.caseReference,
        category: paymentItem.category,
        amount: paymentItem.amount,
        currency: paymentItem.currency,
        status: 'reserved' as const,
        requestedAt: paymentItem.requestedAt,
      };
      const messages = everyMessage(image, reminded, payment, [open]);
      expect(messages.filter((message) => message.event === 'payment_rejected')[0]).toMatchObject({ reviewReason: 'payee_not_verified' });
      const told = messages.map((message) => `${message.event}/${message.recipient.role}`);
      expect(told.sort()).toEqual(toldCombinations.map(([event, role]) => `${event}/${role}`).sort());
      for (const message of messages) {
        const email = renderNotification(pack, message, links);
        const where = `${language}: ${message.event} for the ${message.recipient.role}`;
        expectNoPersonalValue(`the queue message (${where})`, JSON.stringify(message), personalValues);
        expectNoPersonalValue(`the email (${where})`, [email.subject, email.text, email.html].join('\n'), personalValues);
      }
    }
  );
});
