import type { PaymentFinanceView, PaymentItem, PaymentView } from '#events/payment';
import type { Role } from '#events/primitives';

/** What partners see of a payment: all of it for the case's receiver and coordinators, no payee, purpose or notes for finance. */

export const paymentFinanceView = (payment: PaymentItem): PaymentFinanceView => ({
  id: payment.paymentId,
  caseId: payment.caseId,
  caseReference: payment.caseReference,
  programmeId: payment.programmeId,
  category: payment.category,
  amount: payment.amount,
  currency: payment.currency,
  payeeKind: payment.payee.kind,
  status: payment.status,
  planVersion: payment.planVersion,
  reasonCode: payment.reasonCode,
  reviewReason: payment.reviewReason,
  transferReference: payment.transferReference,
  disbursedOn: payment.disbursedOn,
  requestedBy: payment.requestedBy,
  requestedAt: payment.requestedAt,
  updatedAt: payment.updatedAt,
  steps: payment.steps.map(({ note: _note, ...step }) => step),
  attempts: payment.attempts,
  payeeDisclosures: payment.payeeDisclosures ?? [],
});

export const paymentView = (payment: PaymentItem): PaymentView => ({
  ...paymentFinanceView(payment),
  payee: payment.payee,
  purpose: payment.purpose,
  steps: payment.steps,
});

/** `full` for the case's receiver and coordinators, `finance` (no payee, purpose or notes) for finance. */
export type PaymentViewKind = 'full' | 'finance';

export const paymentViewKindFor = (rolesOnCase: readonly Role[]): PaymentViewKind | undefined => {
  if (rolesOnCase.includes('receiver') || rolesOnCase.includes('coordinator')) return 'full';
  return rolesOnCase.includes('finance') ? 'finance' : undefined;
};

export const paymentViewFor = (payment: PaymentItem, kind: PaymentViewKind): PaymentView | PaymentFinanceView =>
  kind === 'full' ? paymentView(payment) : paymentFinanceView(payment);
