import type { DomainEventOf } from '#events/domain-events';
import {
  maxDigestPayments,
  type OpenPayment,
  type PaymentChangeImage,
  type PaymentDigestNotification,
  type PaymentEvent,
  type PaymentNotification,
} from '#events/notification';
import type { PaymentItem, PaymentStatus } from '#events/payment';
import { notificationIdFor } from './notifications/messages.ts';
import { recipientsFor } from './notifications/recipients.ts';

/**
 * What is told when a payment changes status: finance when it has to act (approve, then transfer),
 * the requester when its request is decided or paid (who hears each event is the notifications
 * recipients table). Ids are deterministic, so the same change seen twice makes the same messages.
 */

/** Entering `approved` is two facts: finance must now transfer the money, and the requester learns the decision. */
const eventsOnEntering: Partial<Record<PaymentStatus, readonly PaymentEvent[]>> = {
  reserved: ['payment_awaiting_approval'],
  approved: ['payment_awaiting_disbursement', 'payment_approved'],
  rejected: ['payment_rejected'],
  disbursed: ['payment_disbursed'],
};

/** A payment event read as the two images `paymentNotifications` compares: only the status before matters. */
export const paymentChangeOfEvent = ({
  detail,
}: DomainEventOf<'payment.status_changed'>): { before: Pick<PaymentItem, 'status'> | undefined; after: PaymentChangeImage } => ({
  before: detail.previousStatus === undefined ? undefined : { status: detail.previousStatus },
  after: {
    paymentId: detail.paymentId,
    caseId: detail.caseId,
    caseReference: detail.reference,
    category: detail.category,
    amount: detail.amount,
    currency: detail.currency,
    status: detail.status,
    requestedBy: detail.requestedBy,
    ...(detail.reasonCode === undefined ? {} : { reasonCode: detail.reasonCode }),
    ...(detail.reviewReason === undefined ? {} : { reviewReason: detail.reviewReason }),
  },
});

export const paymentNotifications = (before: Pick<PaymentItem, 'status'> | undefined, after: PaymentChangeImage): PaymentNotification[] => {
  if (before?.status === after.status) return [];
  return (eventsOnEntering[after.status] ?? []).flatMap((event) =>
    recipientsFor(event, { requesterId: after.requestedBy }, []).map(
      (recipient): PaymentNotification => ({
        kind: 'payment',
        notificationId: notificationIdFor([after.paymentId], event, recipient),
        event,
        caseId: after.caseId,
        reference: after.caseReference,
        paymentId: after.paymentId,
        category: after.category,
        amount: after.amount,
        currency: after.currency,
        ...(event === 'payment_rejected' && after.reasonCode !== undefined ? { reasonCode: after.reasonCode } : {}),
        ...(event === 'payment_rejected' && after.reviewReason !== undefined ? { reviewReason: after.reviewReason } : {}),
        recipient,
      })
    )
  );
};

/** The day's digest for finance, the oldest open payments first; none when nothing is open. */
export const paymentDigest = (day: string, open: readonly OpenPayment[]): PaymentDigestNotification | undefined => {
  if (open.length === 0) return undefined;
  const oldestFirst = [...open].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.id.localeCompare(b.id));
  const recipient = { role: 'finance' } as const;
  return {
    kind: 'payment_digest',
    notificationId: notificationIdFor([day], 'payment_digest', recipient),
    event: 'payment_digest',
    day,
    totalOpen: open.length,
    open: oldestFirst.slice(0, maxDigestPayments),
    recipient,
  };
};
