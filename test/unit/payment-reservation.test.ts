import { describe, expect, it } from 'vitest';
import type { CaseStatus } from '../../events/case.ts';
import type { PaymentItem, PaymentStatus } from '../../events/payment.ts';
import type { PlanVersion } from '../../events/plan.ts';
import { paymentRequest } from '../../events/samples/payments.ts';
import type { BudgetItem } from '../../functions/domain/payment-budget.ts';
import { decideReservation } from '../../functions/domain/payment-budget.ts';
import { controlTotals, exportCsv, exportEntry } from '../../functions/domain/payment-export.ts';
import { ledgerEntry } from '../../functions/domain/payment-ledger.ts';
import { isSameRequest, paymentIdFor } from '../../functions/domain/payment-request.ts';
import { budget, caseId, now, payment, plan, reintegrating } from '../support/payment-samples.ts';

describe('payment ids', () => {
  it('are UUID-shaped, the same for the same partner and key, different across partners and keys', () => {
    const id = paymentIdFor('receiver-al', 'key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(paymentIdFor('receiver-al', 'key-1')).toBe(id);
    expect(paymentIdFor('receiver-ua', 'key-1')).not.toBe(id);
    expect(paymentIdFor('receiver-al', 'key-2')).not.toBe(id);
  });

  it('a stored payment is recognised as the same request only with the same case and body', () => {
    const stored = payment();
    expect(isSameRequest(stored, caseId, paymentRequest({ amount: 12_500 }))).toBe(true);
    expect(isSameRequest(stored, caseId, paymentRequest({ amount: 12_501 }))).toBe(false);
    expect(isSameRequest(stored, '99999999-2222-4333-8444-555555555555', paymentRequest({ amount: 12_500 }))).toBe(false);
    expect(isSameRequest(stored, caseId, paymentRequest({ amount: 12_500, payee: { kind: 'beneficiary', name: 'Someone else' } }))).toBe(
      false
    );
  });
});

describe('reservation', () => {
  const decide = (
    changes: {
      payment?: Partial<PaymentItem>;
      case?: Partial<typeof reintegrating> & { status?: CaseStatus };
      plan?: PlanVersion | undefined;
      budget?: BudgetItem | undefined;
    } = {}
  ) =>
    decideReservation({
      payment: payment(changes.payment),
      case: { ...reintegrating, ...changes.case },
      plan: 'plan' in changes ? changes.plan : plan(),
      budget: 'budget' in changes ? changes.budget : budget(),
    });

  it('reserves when the category has the amount available, to the last cent', () => {
    expect(decide()).toEqual({ kind: 'reserve', planVersion: 1, budget: budget() });
    expect(decide({ budget: budget({ reserved: 37_500, available: 12_500 }) }).kind).toBe('reserve');
    expect(decide({ budget: budget({ reserved: 37_501, available: 12_499 }) })).toMatchObject({ kind: 'over-budget', planVersion: 1 });
  });

  it('counts what is disbursed as well as what is reserved', () => {
    expect(decide({ budget: budget({ reserved: 20_000, disbursed: 20_000, available: 10_000 }) }).kind).toBe('over-budget');
  });

  it('does nothing for a payment that already left `requested` (a redelivery)', () => {
    for (const status of ['reserved', 'approved', 'disbursed', 'rejected', 'cancelled'] as PaymentStatus[]) {
      expect(decide({ payment: { status } })).toEqual({ kind: 'already-processed' });
    }
  });

  it.each([
    ['CASE_CLOSED', { case: { status: 'closed' } }],
    ['PLAN_NOT_APPROVED', { case: { approvedPlanVersion: undefined } }],
    ['PLAN_NOT_APPROVED', { case: { status: 'arrived' } }],
    ['PLAN_NOT_APPROVED', { plan: undefined }],
    ['PLAN_NOT_APPROVED', { plan: plan({ status: 'submitted' }) }],
    ['PLAN_NOT_APPROVED', { plan: plan({ version: 2 }) }],
    ['CURRENCY_MISMATCH', { payment: { currency: 'ALL' } }],
    ['CATEGORY_NOT_IN_PLAN', { payment: { category: 'childcare' } }],
  ] as const)('refuses with %s', (code, changes) => {
    expect(decide(changes as never)).toEqual({ kind: 'refuse', code });
  });

  it("creates the category's budget from the plan the first time", () => {
    expect(decide({ budget: undefined })).toEqual({
      kind: 'align-budget',
      expected: undefined,
      budget: budget(),
    });
  });

  it('re-bases the budget on a newer approved plan, keeping what is committed', () => {
    const committed = budget({ reserved: 10_000, disbursed: 30_000, available: 10_000 });
    const decision = decide({
      case: { approvedPlanVersion: 2 },
      plan: plan({ version: 2, items: [{ category: 'medical', amount: 45_000 }] }),
      budget: committed,
    });
    expect(decision).toEqual({
      kind: 'align-budget',
      expected: committed,
      budget: { ...committed, planVersion: 2, limit: 45_000, available: 5_000 },
    });
  });

  it('a newer plan below what is committed leaves nothing available', () => {
    const decision = decide({
      case: { approvedPlanVersion: 2 },
      plan: plan({ version: 2, items: [{ category: 'medical', amount: 10_000 }] }),
      budget: budget({ reserved: 20_000, available: 30_000 }),
    });
    expect(decision).toMatchObject({ kind: 'align-budget', budget: { available: -10_000 } });
  });

  it('money committed in another currency cannot be re-based', () => {
    const decision = decide({
      payment: { currency: 'ALL' },
      case: { approvedPlanVersion: 2 },
      plan: plan({ version: 2, currency: 'ALL' }),
      budget: budget({ reserved: 1, available: 49_999 }),
    });
    expect(decision).toEqual({ kind: 'refuse', code: 'CURRENCY_MISMATCH' });
  });

  it('reads again when the budget is on a newer plan than the one read', () => {
    expect(decide({ budget: budget({ planVersion: 2 }) })).toEqual({ kind: 'read-again' });
  });
});

describe('ledger', () => {
  it.each([
    ['reserved', 12_500, 0],
    ['released', -12_500, 0],
    ['disbursed', -12_500, 12_500],
  ] as const)('a %s entry moves reserved by %i and disbursed by %i', (movement, reservedDelta, disbursedDelta) => {
    const entry = ledgerEntry(payment(), movement, { at: now.toISOString(), by: 'system', planVersion: 1 });
    expect(entry).toMatchObject({ movement, amount: 12_500, reservedDelta, disbursedDelta, entryId: `${payment().paymentId}#${movement}` });
  });

  it('control totals are count and sum per currency, category and movement', () => {
    const entries = [
      { currency: 'EUR', category: 'medical', movement: 'reserved', amount: 100 },
      { currency: 'EUR', category: 'medical', movement: 'reserved', amount: 250 },
      { currency: 'EUR', category: 'housing', movement: 'reserved', amount: 7 },
      { currency: 'ALL', category: 'medical', movement: 'disbursed', amount: 9 },
    ] as const;
    expect(controlTotals(entries)).toEqual([
      { currency: 'ALL', category: 'medical', movement: 'disbursed', count: 1, sum: 9 },
      { currency: 'EUR', category: 'housing', movement: 'reserved', count: 1, sum: 7 },
      { currency: 'EUR', category: 'medical', movement: 'reserved', count: 2, sum: 350 },
    ]);
    expect(controlTotals([])).toEqual([]);
  });

  it('the CSV export quotes what needs quoting and never starts a field with a formula', () => {
    const entry = exportEntry(
      ledgerEntry({ ...payment(), caseReference: '=HYPERLINK("x"),1' }, 'disbursed', {
        at: now.toISOString(),
        by: 'finance-fr',
        planVersion: 1,
        transferReference: 'SEPA-1',
        disbursedOn: '2026-11-20',
      })
    );
    const csv = exportCsv([entry], controlTotals([entry]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'record,at,entryId,programmeId,caseReference,caseId,paymentId,category,currency,movement,amount,count,planVersion,by,transferReference,disbursedOn'
    );
    expect(lines[1]).toContain(`,"'=HYPERLINK(""x""),1",`);
    expect(lines[2]).toBe('total,,,,,,,medical,EUR,disbursed,12500,1,,,,');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(entry).not.toHaveProperty('reservedDelta');
  });
});
