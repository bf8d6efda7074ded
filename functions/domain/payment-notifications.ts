import type { PaymentItem, PaymentStatus } from '#events/payment';
import {
  maxDigestPayments,
  type NotificationRecipient,
  type OpenPayment,
  type PaymentDigestNotification,
  type PaymentEvent,
  type PaymentNotification,
} from '#events/payment-notification';

/**
 * Who is told what when a payment changes status: finance when it has to act (approve, then
 * transfer), the requester when its request is decided or paid. Ids are deterministic, so the
 * same change seen twice makes the same messages.
 */
type PaymentFacts = Pick<
  PaymentItem,
  'paymentId' | 'caseId' | 'caseReference' | 'programmeId' | 'category' | 'amount' | 'currency' | 'status' | 'reasonCode' | 'requestedBy' | 'steps'
>;

const eventsOnEntering: Partial<Record<PaymentStatus, Array<{ event: PaymentEvent; to: 'finance' | 'requester' }>>> = {
  reserved: [{ event: 'awaiting_approval', to: 'finance' }],
  approved: [
    { event: 'awaiting_disbursement', to: 'finance' },
    { event: 'decided', to: 'requester' },
  ],
  rejected: [{ event: 'decided', to: 'requester' }],
  disbursed: [{ event: 'disbursed', to: 'requester' }],
};

export const paymentNotifications = (before: Pick<PaymentItem, 'status'> | undefined, after: PaymentFacts): PaymentNotification[] => {
  if (before?.status === after.status) return [];
  const occurredAt = after.steps.findLast((step) => step.status === after.status)?.at ?? after.steps.at(-1)?.at;
  if (occurredAt === undefined) return [];
  return (eventsOnEntering[after.status] ?? []).map(({ event, to }) => {
    const recipient: NotificationRecipient = to === 'finance' ? { role: 'finance' } : { role: 'requester', partnerId: after.requestedBy };
    return {
      id: `payment:${after.paymentId}:${event}:${to}`,
      kind: 'payment',
      event,
      recipient,
      occurredAt,
      payment: {
        id: after.paymentId,
        caseId: after.caseId,
        caseReference: after.caseReference,
        programmeId: after.programmeId,
        category: after.category,
        amount: after.amount,
        currency: after.currency,
        status: after.status,
        ...(after.reasonCode === undefined ? {} : { reasonCode: after.reasonCode }),
      },
    };
  });
};

/** The day's digest for finance: the oldest open payments first. */
export const paymentDigest = (day: string, open: readonly OpenPayment[], now: Date): PaymentDigestNotification => {
  const oldestFirst = [...open].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.id.localeCompare(b.id));
  return {
    id: `payment-digest:${day}`,
    kind: 'payment_digest',
    recipient: { role: 'finance' },
    day,
    occurredAt: now.toISOString(),
    totalOpen: open.length,
    open: oldestFirst.slice(0, maxDigestPayments),
  };
};
