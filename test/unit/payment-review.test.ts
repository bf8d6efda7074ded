import { describe, expect, it } from 'vitest';
import { budgetViews } from '../../functions/domain/payment-budget.ts';
import { isOpen } from '../../functions/domain/payment-lifecycle.ts';
import { decideReview, type ReviewRequest } from '../../functions/domain/payment-review.ts';
import { paymentFinanceView, paymentView } from '../../functions/domain/payment-views.ts';
import { decideTransferInstructions, disclosureSittingMs } from '../../functions/domain/transfer-instructions.ts';
import { budget, caseOpen, now, payment, plan } from '../support/payment-samples.ts';

describe("reviewers' steps", () => {
  const coordinator = { partnerId: 'coordinator-fr', rolesOnCase: ['coordinator'] as const };
  const finance = { partnerId: 'finance-fr', rolesOnCase: ['finance'] as const };
  const requester = { partnerId: 'receiver-al', rolesOnCase: ['receiver'] as const };
  const requesterWithFinance = { partnerId: 'receiver-al', rolesOnCase: ['receiver', 'finance'] as const };
  const otherReceiver = { partnerId: 'receiver-other', rolesOnCase: ['receiver'] as const };
  const reserved = payment({ status: 'reserved', planVersion: 1 });
  const approved = payment({ status: 'approved', planVersion: 1 });
  const disburse: ReviewRequest = { action: 'disburse', transferReference: 'SEPA-1', disbursedOn: '2026-11-20' };

  it('four eyes: the requester may not approve, reject or confirm its own payment, whatever roles it holds', () => {
    expect(decideReview(reserved, requesterWithFinance, { action: 'approve' }, now, caseOpen)).toEqual({
      kind: 'requester-may-not-review',
    });
    expect(decideReview(reserved, requesterWithFinance, { action: 'reject', reason: 'other' }, now, caseOpen)).toEqual({
      kind: 'requester-may-not-review',
    });
    expect(decideReview(approved, requesterWithFinance, disburse, now, caseOpen)).toEqual({ kind: 'requester-may-not-review' });
  });

  it('roles: approve and reject by coordinator or finance, disbursement by finance, cancel by the requester or a coordinator', () => {
    expect(decideReview(reserved, requester, { action: 'approve' }, now, caseOpen).kind).toBe('not-allowed-for-role');
    expect(decideReview(approved, coordinator, disburse, now, caseOpen).kind).toBe('not-allowed-for-role');
    expect(decideReview(reserved, otherReceiver, { action: 'cancel' }, now, caseOpen).kind).toBe('not-allowed-for-role');
    expect(decideReview(reserved, finance, { action: 'cancel' }, now, caseOpen).kind).toBe('not-allowed-for-role');
    expect(decideReview(reserved, requester, { action: 'cancel' }, now, caseOpen).kind).toBe('apply');
    expect(decideReview(reserved, coordinator, { action: 'cancel' }, now, caseOpen).kind).toBe('apply');
    expect(decideReview(reserved, finance, { action: 'approve' }, now, caseOpen).kind).toBe('apply');
    expect(decideReview(approved, finance, disburse, now, caseOpen).kind).toBe('apply');
  });

  it.each([
    ['approve', 'requested'],
    ['approve', 'rejected'],
    ['disburse', 'requested'],
    ['disburse', 'reserved'],
    ['disburse', 'cancelled'],
    ['reject', 'disbursed'],
    ['reject', 'cancelled'],
    ['cancel', 'disbursed'],
    ['cancel', 'rejected'],
  ] as const)('%s is not possible from %s', (action, status) => {
    const request: ReviewRequest = action === 'disburse' ? disburse : action === 'reject' ? { action, reason: 'other' } : { action };
    const actor = action === 'cancel' ? coordinator : finance;
    expect(decideReview(payment({ status, planVersion: 1 }), actor, request, now, caseOpen)).toEqual({
      kind: 'not-allowed-in-status',
      currentStatus: status,
    });
  });

  it('on a closed case no money leaves: approving, disbursing and the transfer instructions wait for a reopening; rejecting and cancelling still release', () => {
    expect(decideReview(reserved, finance, { action: 'approve' }, now, 'closed')).toEqual({ kind: 'case-closed' });
    expect(decideReview(approved, finance, disburse, now, 'closed')).toEqual({ kind: 'case-closed' });
    expect(decideTransferInstructions(approved, finance, now, 'closed')).toEqual({ kind: 'case-closed' });
    expect(decideReview(reserved, finance, { action: 'reject', reason: 'other' }, now, 'closed').kind).toBe('apply');
    expect(decideReview(approved, coordinator, { action: 'cancel' }, now, 'closed').kind).toBe('apply');
    // Role and four-eyes refusals still come first: a closed case tells an outsider nothing.
    expect(decideReview(reserved, requester, { action: 'approve' }, now, 'closed').kind).toBe('not-allowed-for-role');
  });

  it('repeating a step already taken changes nothing; confirming a disbursement differently is refused', () => {
    expect(decideReview(approved, finance, { action: 'approve' }, now, caseOpen)).toEqual({ kind: 'unchanged' });
    expect(decideReview(payment({ status: 'rejected' }), finance, { action: 'reject', reason: 'other' }, now, caseOpen)).toEqual({
      kind: 'unchanged',
    });
    const paid = payment({ status: 'disbursed', planVersion: 1, transferReference: 'SEPA-1', disbursedOn: '2026-11-20' });
    expect(decideReview(paid, finance, disburse, now, caseOpen)).toEqual({ kind: 'unchanged' });
    expect(decideReview(paid, finance, { ...disburse, transferReference: 'SEPA-2' } as ReviewRequest, now, caseOpen)).toEqual({
      kind: 'already-disbursed-differently',
    });
  });

  it('approving moves no money; rejecting or cancelling a held amount releases it; rejecting a request not yet reserved releases nothing', () => {
    expect(decideReview(reserved, coordinator, { action: 'approve', note: 'ok' }, now, caseOpen)).toEqual({
      kind: 'apply',
      change: { status: 'approved', step: { status: 'approved', at: now.toISOString(), by: 'coordinator-fr', note: 'ok' }, fields: {} },
    });
    const rejection = decideReview(approved, finance, { action: 'reject', reason: 'duplicate' }, now, caseOpen);
    expect(rejection).toMatchObject({
      kind: 'apply',
      change: {
        status: 'rejected',
        fields: { reasonCode: 'REJECTED_ON_REVIEW', reviewReason: 'duplicate' },
        ledger: { movement: 'released', reservedDelta: -12_500, disbursedDelta: 0 },
      },
    });
    const cancellation = decideReview(reserved, requester, { action: 'cancel' }, now, caseOpen);
    expect(cancellation).toMatchObject({ kind: 'apply', change: { status: 'cancelled', ledger: { movement: 'released' } } });
    const early = decideReview(payment(), coordinator, { action: 'reject', reason: 'other' }, now, caseOpen);
    expect(early).toMatchObject({ kind: 'apply', change: { status: 'rejected' } });
    expect(early.kind === 'apply' ? early.change.ledger : 'not applied').toBeUndefined();
  });

  it('a disbursement moves the amount from reserved to disbursed, with the transfer', () => {
    expect(decideReview(approved, finance, disburse, now, caseOpen)).toMatchObject({
      kind: 'apply',
      change: {
        status: 'disbursed',
        fields: { transferReference: 'SEPA-1', disbursedOn: '2026-11-20' },
        ledger: {
          movement: 'disbursed',
          reservedDelta: -12_500,
          disbursedDelta: 12_500,
          transferReference: 'SEPA-1',
          disbursedOn: '2026-11-20',
        },
      },
    });
  });

  it('a disbursement dated in the future or before the request is refused', () => {
    expect(decideReview(approved, finance, { ...disburse, disbursedOn: '2026-11-21' } as ReviewRequest, now, caseOpen)).toEqual({
      kind: 'invalid',
      path: 'disbursedOn',
      message: 'must not be in the future',
    });
    expect(decideReview(approved, finance, { ...disburse, disbursedOn: '2026-11-09' } as ReviewRequest, now, caseOpen)).toMatchObject({
      kind: 'invalid',
      path: 'disbursedOn',
    });
  });

  it('open statuses are the ones someone still has to act on', () => {
    expect((['requested', 'reserved', 'approved', 'disbursed', 'rejected', 'cancelled'] as const).filter(isOpen)).toEqual([
      'requested',
      'reserved',
      'approved',
    ]);
  });
});

describe('transfer instructions', () => {
  const finance = { partnerId: 'finance-fr', rolesOnCase: ['finance'] as const };
  const otherFinance = { partnerId: 'finance-es', rolesOnCase: ['finance'] as const };
  const coordinator = { partnerId: 'coordinator-fr', rolesOnCase: ['coordinator'] as const };
  const requesterWithFinance = { partnerId: 'receiver-al', rolesOnCase: ['receiver', 'finance'] as const };
  const approved = payment({ status: 'approved', planVersion: 1 });
  const later = (ms: number) => new Date(now.getTime() + ms);

  it('gives finance the payee, amount, currency, case reference and a remittance text with the payment id only', () => {
    const decision = decideTransferInstructions(approved, finance, now, caseOpen);
    expect(decision).toEqual({
      kind: 'disclose',
      record: {
        kind: 'open-sitting',
        index: 0,
        sitting: { by: 'finance-fr', firstAt: now.toISOString(), lastAt: now.toISOString(), count: 1 },
      },
      instructions: {
        paymentId: approved.paymentId,
        caseReference: 'TACT-FR-000123',
        amount: 12_500,
        currency: 'EUR',
        payee: approved.payee,
        remittanceInformation: `Payment ${approved.paymentId}`,
      },
    });
    const remittance = decision.kind === 'disclose' ? decision.instructions.remittanceInformation : '';
    for (const value of [approved.purpose, approved.caseReference, approved.programmeId, approved.payee.name])
      expect(remittance).not.toContain(value);
  });

  it('only while the payment is approved: before approval or once paid, rejected or cancelled the status is named', () => {
    for (const status of ['requested', 'reserved', 'disbursed', 'rejected', 'cancelled'] as const) {
      expect(decideTransferInstructions(payment({ status }), finance, now, caseOpen)).toEqual({
        kind: 'not-allowed-in-status',
        currentStatus: status,
      });
    }
  });

  it('only for finance, and never for the requester even holding the finance role', () => {
    expect(decideTransferInstructions(approved, coordinator, now, caseOpen)).toEqual({ kind: 'not-allowed-for-role' });
    expect(decideTransferInstructions(approved, requesterWithFinance, now, caseOpen)).toEqual({ kind: 'requester-may-not-transfer' });
  });

  it("views within a sitting count in the caller's entry; after it, or by someone else, they open a new one", () => {
    const first = { by: 'finance-fr', firstAt: now.toISOString(), lastAt: now.toISOString(), count: 2 };
    const theirs = { by: 'finance-es', firstAt: later(1_000).toISOString(), lastAt: later(1_000).toISOString(), count: 1 };
    const seen = payment({ status: 'approved', planVersion: 1, payeeDisclosures: [first, theirs] });

    const within = decideTransferInstructions(seen, finance, later(disclosureSittingMs - 1), caseOpen);
    expect(within.kind === 'disclose' && within.record).toEqual({
      kind: 'continue-sitting',
      index: 0,
      sitting: first,
      at: later(disclosureSittingMs - 1).toISOString(),
    });
    const after = decideTransferInstructions(seen, finance, later(disclosureSittingMs), caseOpen);
    expect(after.kind === 'disclose' && after.record).toMatchObject({
      kind: 'open-sitting',
      index: 2,
      sitting: { by: 'finance-fr', count: 1 },
    });
    const other = decideTransferInstructions(seen, otherFinance, later(2_000), caseOpen);
    expect(other.kind === 'disclose' && other.record).toMatchObject({ kind: 'continue-sitting', index: 1, sitting: theirs });
  });

  it("a clock behind the sitting's last view never moves it back", () => {
    const sitting = { by: 'finance-fr', firstAt: now.toISOString(), lastAt: later(5_000).toISOString(), count: 3 };
    const decision = decideTransferInstructions(
      payment({ status: 'approved', payeeDisclosures: [sitting] }),
      finance,
      later(4_000),
      caseOpen
    );
    expect(decision.kind === 'disclose' && decision.record).toMatchObject({ kind: 'continue-sitting', at: sitting.lastAt });
  });
});

describe('views', () => {
  it('finance sees no payee name or account, no purpose, no notes', () => {
    const withNote = payment({
      status: 'approved',
      steps: [...payment().steps, { status: 'approved', at: now.toISOString(), by: 'coordinator-fr', note: 'Invoice seen.' }],
    });
    const view = paymentFinanceView(withNote);
    expect(JSON.stringify(view)).not.toContain(withNote.payee.name);
    expect(JSON.stringify(view)).not.toContain(withNote.payee.iban!);
    expect(JSON.stringify(view)).not.toContain(withNote.purpose);
    expect(JSON.stringify(view)).not.toContain('Invoice seen.');
    expect(view.payeeKind).toBe('provider');
    expect(view.payeeDisclosures).toEqual([]);
    expect(paymentView(withNote)).toMatchObject({ payee: withNote.payee, purpose: withNote.purpose });
  });

  it("the budget left is the plan's amount minus reserved and disbursed, per category", () => {
    expect(
      budgetViews(plan(), [
        budget({ reserved: 1_000, disbursed: 2_000, available: 47_000 }),
        budget({ category: 'childcare', reserved: 300, limit: 300, available: 0 }),
      ])
    ).toEqual([
      { category: 'medical', currency: 'EUR', limit: 50_000, reserved: 1_000, disbursed: 2_000, available: 47_000 },
      { category: 'housing', currency: 'EUR', limit: 80_000, reserved: 0, disbursed: 0, available: 80_000 },
      { category: 'childcare', currency: 'EUR', limit: 0, reserved: 300, disbursed: 0, available: -300 },
    ]);
    expect(budgetViews(undefined, [])).toEqual([]);
  });
});
