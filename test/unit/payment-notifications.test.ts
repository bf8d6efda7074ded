import { describe, expect, it } from 'vitest';
import { maxDigestPayments, notificationMessageSchema } from '../../events/notification.ts';
import type { PaymentStatus } from '../../events/payment.ts';
import { notificationIdFor } from '../../functions/domain/notifications/messages.ts';
import { paymentDigest, paymentNotifications } from '../../functions/domain/payment-notifications.ts';
import { paymentIdFor } from '../../functions/domain/payment-request.ts';
import { caseId, now, payment } from '../support/payment-samples.ts';

describe('notifications', () => {
  const at = (status: PaymentStatus) => ({ status, at: now.toISOString(), by: 'x' });

  it.each([
    ['reserved', [['payment_awaiting_approval', 'finance']]],
    [
      'approved',
      [
        ['payment_awaiting_disbursement', 'finance'],
        ['payment_approved', 'requester'],
      ],
    ],
    ['rejected', [['payment_rejected', 'requester']]],
    ['disbursed', [['payment_disbursed', 'requester']]],
    ['cancelled', []],
  ] as const)('entering %s tells %j', (status, expected) => {
    const after = payment({ status, steps: [...payment().steps, at(status)] });
    const messages = paymentNotifications({ status: 'requested' }, after);
    expect(messages.map((message) => [message.event, message.recipient.role])).toEqual(expected);
    for (const message of messages) {
      expect(notificationMessageSchema.parse(message)).toEqual(message);
      expect(message).toMatchObject({
        kind: 'payment',
        paymentId: after.paymentId,
        caseId,
        reference: 'TACT-FR-000123',
        amount: 12_500,
        currency: 'EUR',
        category: 'medical',
      });
      if (message.recipient.role === 'requester') expect(message.recipient.partnerId).toBe('receiver-al');
      expect(message.notificationId).toBe(notificationIdFor([after.paymentId], message.event, message.recipient));
      expect(JSON.stringify(message)).not.toContain(after.payee.name);
      expect(JSON.stringify(message)).not.toContain(after.payee.iban);
      expect(JSON.stringify(message)).not.toContain(after.purpose);
    }
  });

  it('the same change seen twice makes the same ids; each step of a payment its own', () => {
    const reserved = paymentNotifications({ status: 'requested' }, payment({ status: 'reserved' }));
    expect(paymentNotifications(undefined, payment({ status: 'reserved', version: 3 }))).toEqual(reserved);
    const approved = paymentNotifications({ status: 'reserved' }, payment({ status: 'approved' }));
    const ids = [...reserved, ...approved].map((message) => message.notificationId);
    expect(new Set(ids).size).toBe(3);
    const other = paymentNotifications(
      { status: 'requested' },
      payment({ status: 'reserved', paymentId: paymentIdFor('receiver-al', 'key-2') })
    );
    expect(other[0]!.notificationId).not.toBe(reserved[0]!.notificationId);
  });

  it("a rejection carries its codes, never the reviewer's note", () => {
    const rejected = payment({
      status: 'rejected',
      reasonCode: 'REJECTED_ON_REVIEW',
      reviewReason: 'missing_documents',
      steps: [
        ...payment().steps,
        { ...at('rejected'), reasonCode: 'REJECTED_ON_REVIEW', reviewReason: 'missing_documents', note: 'Send the invoice.' },
      ],
    });
    const [message] = paymentNotifications({ status: 'reserved' }, rejected);
    expect(message).toMatchObject({ event: 'payment_rejected', reasonCode: 'REJECTED_ON_REVIEW', reviewReason: 'missing_documents' });
    expect(JSON.stringify(message)).not.toContain('Send the invoice.');
  });

  it('a change that keeps the status (an attempt recorded) tells nobody', () => {
    expect(paymentNotifications({ status: 'requested' }, payment())).toEqual([]);
  });

  it('the digest lists the oldest open payments first, under one id per day', () => {
    const open = [
      {
        id: paymentIdFor('a', '2'),
        caseId,
        caseReference: 'TACT-FR-000002',
        category: 'medical',
        amount: 1,
        currency: 'EUR',
        status: 'approved' as const,
        requestedAt: '2026-11-02T00:00:00.000Z',
      },
      {
        id: paymentIdFor('a', '1'),
        caseId,
        caseReference: 'TACT-FR-000001',
        category: 'medical',
        amount: 2,
        currency: 'EUR',
        status: 'reserved' as const,
        requestedAt: '2026-11-01T00:00:00.000Z',
      },
    ];
    const digest = paymentDigest('2026-11-20', open)!;
    expect(notificationMessageSchema.parse(digest)).toEqual(digest);
    expect(digest).toMatchObject({
      kind: 'payment_digest',
      event: 'payment_digest',
      day: '2026-11-20',
      totalOpen: 2,
      recipient: { role: 'finance' },
    });
    expect(digest.notificationId).toBe(notificationIdFor(['2026-11-20'], 'payment_digest', { role: 'finance' }));
    expect(paymentDigest('2026-11-20', [...open].reverse())!.notificationId).toBe(digest.notificationId);
    expect(paymentDigest('2026-11-21', open)!.notificationId).not.toBe(digest.notificationId);
    expect(digest.open.map((entry) => entry.caseReference)).toEqual(['TACT-FR-000001', 'TACT-FR-000002']);
    expect(paymentDigest('2026-11-20', [])).toBeUndefined();
  });

  it('the digest lists at most what a queue message holds, and counts them all', () => {
    const open = Array.from({ length: maxDigestPayments + 7 }, (_, index) => ({
      id: paymentIdFor('a', String(index)),
      caseId,
      caseReference: 'TACT-FR-000001',
      category: 'medical',
      amount: 100 + index,
      currency: 'EUR',
      status: 'reserved' as const,
      requestedAt: new Date(Date.UTC(2026, 10, 1) + index * 60_000).toISOString(),
    }));
    const digest = paymentDigest('2026-11-20', open)!;
    expect(digest.totalOpen).toBe(maxDigestPayments + 7);
    expect(digest.open).toHaveLength(maxDigestPayments);
    expect(digest.open[0]!.amount).toBe(100);
    expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThan(256 * 1024);
    expect(notificationMessageSchema.safeParse(digest).success).toBe(true);
  });
});
