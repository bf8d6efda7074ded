import * as z from 'zod/mini';
import { paymentId, paymentStatus, rejectionCodes } from './payment.ts';
import { currencyCode, minorUnits, planCategory } from './plan.ts';
import { caseId, isoDate, isoDateTime, partnerId, programmeId } from './primitives.ts';

/**
 * What the payments work puts on the notifications queue for the mailer: who must be told, what
 * happened, and the payment's reference, category and amount. Never the payee, the purpose or a
 * note. `id` is deterministic (one per payment, event and recipient; one per digest day) so a
 * message delivered twice is one email; the mailer deduplicates on it.
 *
 * Kept apart from the notifications contract that is being written in parallel
 * (events/notification.ts): the two are reconciled when the branches meet.
 */

/** Finance is one mailbox per stage (its address is configuration); a partner is looked up by id. */
export const notificationRecipientSchema = z.union([
  z.strictObject({ role: z.literal('finance') }),
  z.strictObject({ role: z.literal('requester'), partnerId }),
]);
export type NotificationRecipient = z.infer<typeof notificationRecipientSchema>;

/**
 * - `awaiting_approval` (finance): reserved against the budget, approve or reject it.
 * - `awaiting_disbursement` (finance): approved, transfer the money and confirm it.
 * - `decided` (requester): approved or rejected (with the reason code).
 * - `disbursed` (requester): the money was transferred.
 */
export const paymentEvents = ['awaiting_approval', 'awaiting_disbursement', 'decided', 'disbursed'] as const;
export type PaymentEvent = (typeof paymentEvents)[number];

export const paymentNotificationSchema = z.strictObject({
  id: z.string(),
  kind: z.literal('payment'),
  event: z.enum(paymentEvents),
  recipient: notificationRecipientSchema,
  occurredAt: isoDateTime,
  payment: z.strictObject({
    id: paymentId,
    caseId,
    caseReference: z.string(),
    programmeId,
    category: planCategory,
    amount: minorUnits,
    currency: currencyCode,
    status: paymentStatus,
    reasonCode: z.optional(z.enum(rejectionCodes)),
  }),
});
export type PaymentNotification = z.infer<typeof paymentNotificationSchema>;

export const openPaymentSchema = z.strictObject({
  id: paymentId,
  caseReference: z.string(),
  programmeId,
  category: planCategory,
  amount: minorUnits,
  currency: currencyCode,
  status: paymentStatus,
  requestedAt: isoDateTime,
});
export type OpenPayment = z.infer<typeof openPaymentSchema>;

/** A queue message holds at most 256 KB: the digest lists the oldest open payments up to this many. */
export const maxDigestPayments = 500;

/** Once a day, to finance: the payments still open, the oldest first, and how many there are in all. */
export const paymentDigestNotificationSchema = z.strictObject({
  id: z.string(),
  kind: z.literal('payment_digest'),
  recipient: z.strictObject({ role: z.literal('finance') }),
  day: isoDate,
  occurredAt: isoDateTime,
  totalOpen: z.int().check(z.minimum(0)),
  open: z.array(openPaymentSchema).check(z.maxLength(maxDigestPayments)),
});
export type PaymentDigestNotification = z.infer<typeof paymentDigestNotificationSchema>;
