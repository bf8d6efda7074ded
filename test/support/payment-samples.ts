import type { PaymentItem } from '../../events/payment.ts';
import type { PlanVersion } from '../../events/plan.ts';
import { paymentRequest } from '../../events/samples/payments.ts';
import type { BudgetItem } from '../../functions/domain/payment-budget.ts';
import { newPayment, paymentIdFor } from '../../functions/domain/payment-request.ts';

/** The status of the case a payment under review belongs to, unless a test says it is closed. */
export const caseOpen = 'reintegrating' as const;

export const now = new Date('2026-11-20T10:00:00.000Z');
export const caseId = '11111111-2222-4333-8444-555555555555';

export const plan = (changes: Partial<PlanVersion> = {}): PlanVersion => ({
  caseId,
  version: 1,
  status: 'approved',
  currency: 'EUR',
  items: [
    { category: 'medical', amount: 50_000 },
    { category: 'housing', amount: 80_000 },
  ],
  draftedAt: '2026-11-01T00:00:00.000Z',
  draftedBy: 'receiver-al',
  decidedAt: '2026-11-02T00:00:00.000Z',
  decidedBy: 'coordinator-fr',
  ...changes,
});

export const budget = (changes: Partial<BudgetItem> = {}): BudgetItem => ({
  caseId,
  category: 'medical',
  currency: 'EUR',
  planVersion: 1,
  limit: 50_000,
  reserved: 0,
  disbursed: 0,
  available: 50_000,
  ...changes,
});

export const payment = (changes: Partial<PaymentItem> = {}): PaymentItem => ({
  ...newPayment(
    paymentRequest({ amount: 12_500 }),
    {
      paymentId: paymentIdFor('receiver-al', 'key-1'),
      case: { caseId, reference: 'TACT-FR-000123', programmeId: 'TACT' },
      requestedBy: 'receiver-al',
    },
    new Date('2026-11-10T09:00:00.000Z')
  ),
  ...changes,
});

export const reintegrating = { status: 'reintegrating' as const, approvedPlanVersion: 1 };
