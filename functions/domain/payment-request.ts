import type { CaseItem } from '#events/case';
import type { PaymentItem, PaymentRequest } from '#events/payment';
import { derivedUuid } from './derived-ids.ts';

/** A receiving partner's request for a payment: its id, the payment it makes, and whether a retry is the same request. */

/**
 * The payment id for a partner's Idempotency-Key. Deterministic, so a request retried after a
 * failure between storing the payment and queueing it finds the same payment instead of making a
 * second one; the requester is part of it, so two partners' keys never collide.
 */
export const paymentIdFor = (partnerId: string, idempotencyKey: string): string => derivedUuid('payment', partnerId, idempotencyKey);

export const newPayment = (
  request: PaymentRequest,
  context: { paymentId: string; case: Pick<CaseItem, 'caseId' | 'reference' | 'programmeId'>; requestedBy: string },
  now: Date
): PaymentItem => {
  const at = now.toISOString();
  return {
    entity: 'PAYMENT',
    paymentId: context.paymentId,
    caseId: context.case.caseId,
    caseReference: context.case.reference,
    programmeId: context.case.programmeId,
    requestedBy: context.requestedBy,
    requestedAt: at,
    category: request.category,
    amount: request.amount,
    currency: request.currency,
    purpose: request.purpose,
    payee: request.payee,
    status: 'requested',
    steps: [{ status: 'requested', at, by: context.requestedBy }],
    attempts: { reserve: { count: 0 } },
    updatedAt: at,
    version: 1,
  };
};

/** Whether a stored payment is the one this request describes (same case, same body). */
export const isSameRequest = (stored: PaymentItem, caseId: string, request: PaymentRequest): boolean =>
  stored.caseId === caseId &&
  stored.category === request.category &&
  stored.amount === request.amount &&
  stored.currency === request.currency &&
  stored.purpose === request.purpose &&
  stored.payee.kind === request.payee.kind &&
  stored.payee.name === request.payee.name &&
  stored.payee.iban === request.payee.iban;
