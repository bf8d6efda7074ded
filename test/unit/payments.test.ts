import { describe, expect, it } from 'vitest';
import { isValidIban } from '../../events/iban.ts';
import { maxDigestPayments, notificationMessageSchema } from '../../events/notification.ts';
import type { PaymentItem, PaymentStatus } from '../../events/payment.ts';
import { exportQuerySchema, paymentRequestSchema, transferInstructionsSchema } from '../../events/payment.ts';
import type { PlanVersion } from '../../events/plan.ts';
import { paymentRequest, transferInstructionsExample } from '../../events/samples/payments.ts';
import { notificationIdFor } from '../../functions/domain/notifications/messages.ts';
import { type BudgetItem, budgetViews, decideReservation } from '../../functions/domain/payment-budget.ts';
import { controlTotals, exportCsv, exportEntry } from '../../functions/domain/payment-export.ts';
import { ledgerEntry } from '../../functions/domain/payment-ledger.ts';
import { isOpen } from '../../functions/domain/payment-lifecycle.ts';
import { paymentDigest, paymentNotifications } from '../../functions/domain/payment-notifications.ts';
import { isSameRequest, newPayment, paymentIdFor } from '../../functions/domain/payment-request.ts';
import { decideReview, type ReviewRequest } from '../../functions/domain/payment-review.ts';
import { paymentFinanceView, paymentView } from '../../functions/domain/payment-views.ts';
import { decideTransferInstructions, disclosureSittingMs } from '../../functions/domain/transfer-instructions.ts';

/** The status of the case a payment under review belongs to, unless a test says it is closed. */
const caseOpen = 'reintegrating' as const;

const now = new Date('2026-11-20T10:00:00.000Z');
const caseId = '11111111-2222-4333-8444-555555555555';

const plan = (changes: Partial<PlanVersion> = {}): PlanVersion => ({
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

const budget = (changes: Partial<BudgetItem> = {}): BudgetItem => ({
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

const payment = (changes: Partial<PaymentItem> = {}): PaymentItem => ({
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

const reintegrating = { status: 'reintegrating' as const, approvedPlanVersion: 1 };

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
      case?: Partial<typeof reintegrating> & { status?: any };
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

describe('contracts', () => {
  it('IBANs are checked with ISO 13616 (mod 97)', () => {
    expect(isValidIban('AL47212110090000000235698741')).toBe(true);
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('de89370400440532013000')).toBe(false);
  });

  it("the transfer instructions' example (in the OpenAPI document) fits its schema", () => {
    expect(transferInstructionsSchema.parse(transferInstructionsExample)).toEqual(transferInstructionsExample);
  });

  it('a payment request refuses a fractional amount and unknown fields', () => {
    expect(paymentRequestSchema.safeParse(paymentRequest()).success).toBe(true);
    expect(paymentRequestSchema.safeParse({ ...paymentRequest(), amount: 1.5 }).success).toBe(false);
    expect(paymentRequestSchema.safeParse({ ...paymentRequest(), status: 'approved' }).success).toBe(false);
  });

  it('an export range checks its dates only once both are dates', () => {
    const issues = (query: Record<string, string>) => exportQuerySchema.safeParse(query).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ from: 'yesterday', to: '2026-01-01' })).toEqual(['from']);
    expect(issues({ from: '2026-02-01', to: '2026-01-01' })).toEqual(['to']);
    expect(issues({ from: '2026-01-01', to: '2027-01-02' })).toEqual(['to']);
    // 366 days, from and to included.
    expect(issues({ from: '2026-01-01', to: '2027-01-01' })).toBeUndefined();
  });
});
