import { createHash } from 'node:crypto';
import type { CaseItem, CaseStatus } from '#events/case';
import type {
  BudgetItem,
  BudgetView,
  ControlTotal,
  DisbursementRequest,
  ExportEntry,
  LedgerEntry,
  LedgerMovement,
  PayeeDisclosure,
  PaymentFinanceView,
  PaymentItem,
  PaymentRejectRequest,
  PaymentRequest,
  PaymentStatus,
  PaymentStep,
  PaymentView,
  ReservationRefusal,
  TransferInstructions,
} from '#events/payment';
import type { PlanVersion } from '#events/plan';
import type { Role } from '#events/primitives';
import { todayIso } from './dates.ts';

/**
 * The rules of reintegration payments, with no AWS in them: the states and who may move a payment
 * between them (four eyes: never the requester), whether a request can be reserved against the
 * approved plan's budget, what each movement does to the budget and the ledger, and the views.
 *
 *   requested ─▶ reserved ─▶ approved ─▶ disbursed
 *       │            │           │
 *       └────────────┴───────────┴──▶ rejected | cancelled   (a reserved amount is released)
 */

export type PaymentActor = Role | 'system';

export interface PaymentTransition {
  from: readonly PaymentStatus[];
  to: PaymentStatus;
  by: readonly PaymentActor[];
}

const beforeDisbursement = ['requested', 'reserved', 'approved'] as const satisfies readonly PaymentStatus[];

export const paymentActions = {
  reserve: { from: ['requested'], to: 'reserved', by: ['system'] },
  refuse: { from: ['requested'], to: 'rejected', by: ['system'] },
  approve: { from: ['reserved'], to: 'approved', by: ['coordinator', 'finance'] },
  reject: { from: beforeDisbursement, to: 'rejected', by: ['coordinator', 'finance'] },
  cancel: { from: beforeDisbursement, to: 'cancelled', by: ['receiver', 'coordinator'] },
  disburse: { from: ['approved'], to: 'disbursed', by: ['finance'] },
} as const satisfies Record<string, PaymentTransition>;

export type PaymentAction = keyof typeof paymentActions;
export type ReviewAction = Exclude<PaymentAction, 'reserve' | 'refuse'>;

/** Statuses in which money is held against the budget. */
const holdsReservation = (status: PaymentStatus): boolean => status === 'reserved' || status === 'approved';

/** Statuses someone still has to act on; they are listed in finance's daily digest. */
export const isOpen = (status: PaymentStatus): boolean => (beforeDisbursement as readonly PaymentStatus[]).includes(status);

/** Case statuses in which an approved plan can be paid from. */
const payableCaseStatuses: readonly CaseItem['status'][] = ['reintegrating', 'monitoring'];

/**
 * The payment id for a partner's Idempotency-Key. Deterministic, so a request retried after a
 * failure between storing the payment and queueing it finds the same payment instead of making a
 * second one; the requester is part of it, so two partners' keys never collide.
 */
export const paymentIdFor = (partnerId: string, idempotencyKey: string): string => {
  const hex = createHash('sha256').update(`payment\n${partnerId}\n${idempotencyKey}`).digest('hex');
  // RFC 9562 version 8 (custom), variant 10xx.
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

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

/* ---------------------------------------------------------------- reservation */

export type ReservationDecision =
  /** The payment already left `requested` (a redelivery): nothing to do. */
  | { kind: 'already-processed' }
  | { kind: 'refuse'; code: ReservationRefusal }
  /** The category has no budget item yet, or one from an older plan: write this first, then decide again. */
  | { kind: 'align-budget'; budget: BudgetItem; expected: BudgetItem | undefined }
  /** The plan read is older than the budget's: the case moved on between reads; read again. */
  | { kind: 'read-again' }
  | { kind: 'reserve'; planVersion: number; budget: BudgetItem }
  | { kind: 'over-budget'; planVersion: number; budget: BudgetItem };

/**
 * Whether the payment can be reserved: the case is being paid from an approved plan, in the plan's
 * currency, for a category of the plan, and the category's budget has the amount available. The
 * caller writes the outcome conditioned on what was read, so a decision on stale data never lands.
 */
export const decideReservation = (input: {
  payment: Pick<PaymentItem, 'status' | 'category' | 'amount' | 'currency'>;
  case: Pick<CaseItem, 'status' | 'approvedPlanVersion'>;
  plan: PlanVersion | undefined;
  budget: BudgetItem | undefined;
}): ReservationDecision => {
  const { payment, plan, budget } = input;
  if (payment.status !== 'requested') return { kind: 'already-processed' };
  if (input.case.status === 'closed') return { kind: 'refuse', code: 'CASE_CLOSED' };
  if (
    input.case.approvedPlanVersion === undefined ||
    !payableCaseStatuses.includes(input.case.status) ||
    plan === undefined ||
    plan.status !== 'approved' ||
    plan.version !== input.case.approvedPlanVersion
  ) {
    return { kind: 'refuse', code: 'PLAN_NOT_APPROVED' };
  }
  if (payment.currency !== plan.currency) return { kind: 'refuse', code: 'CURRENCY_MISMATCH' };
  const item = plan.items.find((candidate) => candidate.category === payment.category);
  if (item === undefined) return { kind: 'refuse', code: 'CATEGORY_NOT_IN_PLAN' };

  if (budget === undefined) {
    return {
      kind: 'align-budget',
      expected: undefined,
      budget: {
        caseId: plan.caseId,
        category: item.category,
        currency: plan.currency,
        planVersion: plan.version,
        limit: item.amount,
        reserved: 0,
        disbursed: 0,
        available: item.amount,
      },
    };
  }
  if (budget.planVersion > plan.version) return { kind: 'read-again' };
  if (budget.planVersion < plan.version) {
    const committed = budget.reserved + budget.disbursed;
    // Money committed in one currency cannot count against a limit in another.
    if (budget.currency !== plan.currency && committed > 0) return { kind: 'refuse', code: 'CURRENCY_MISMATCH' };
    return {
      kind: 'align-budget',
      expected: budget,
      budget: { ...budget, currency: plan.currency, planVersion: plan.version, limit: item.amount, available: item.amount - committed },
    };
  }
  return budget.available >= payment.amount
    ? { kind: 'reserve', planVersion: plan.version, budget }
    : { kind: 'over-budget', planVersion: plan.version, budget };
};

/* ---------------------------------------------------------------- ledger */

/** What a movement does to the budget's counters. */
const deltas = (movement: LedgerMovement, amount: number): Pick<LedgerEntry, 'reservedDelta' | 'disbursedDelta'> => {
  switch (movement) {
    case 'reserved':
      return { reservedDelta: amount, disbursedDelta: 0 };
    case 'released':
      return { reservedDelta: -amount, disbursedDelta: 0 };
    case 'disbursed':
      return { reservedDelta: -amount, disbursedDelta: amount };
  }
};

export const ledgerEntry = (
  payment: Pick<PaymentItem, 'paymentId' | 'caseId' | 'caseReference' | 'programmeId' | 'category' | 'currency' | 'amount'>,
  movement: LedgerMovement,
  context: { at: string; by: string; planVersion: number; transferReference?: string | undefined; disbursedOn?: string | undefined }
): LedgerEntry => ({
  entryId: `${payment.paymentId}#${movement}`,
  at: context.at,
  caseId: payment.caseId,
  caseReference: payment.caseReference,
  programmeId: payment.programmeId,
  paymentId: payment.paymentId,
  category: payment.category,
  currency: payment.currency,
  movement,
  amount: payment.amount,
  ...deltas(movement, payment.amount),
  planVersion: context.planVersion,
  by: context.by,
  ...(context.transferReference === undefined ? {} : { transferReference: context.transferReference }),
  ...(context.disbursedOn === undefined ? {} : { disbursedOn: context.disbursedOn }),
});

/** Count and sum per currency, category and movement, in a stable order. */
export const controlTotals = (entries: readonly Pick<LedgerEntry, 'currency' | 'category' | 'movement' | 'amount'>[]): ControlTotal[] => {
  const totals = new Map<string, ControlTotal>();
  for (const entry of entries) {
    const key = `${entry.currency}\u0000${entry.category}\u0000${entry.movement}`;
    const total = totals.get(key) ?? { currency: entry.currency, category: entry.category, movement: entry.movement, count: 0, sum: 0 };
    total.count += 1;
    total.sum += entry.amount;
    totals.set(key, total);
  }
  return [...totals.values()].sort(
    (a, b) => a.currency.localeCompare(b.currency) || a.category.localeCompare(b.category) || a.movement.localeCompare(b.movement)
  );
};

/* ---------------------------------------------------------------- reviewers' steps */

export interface PaymentChange {
  status: PaymentStatus;
  step: PaymentStep;
  fields: Partial<Pick<PaymentItem, 'reasonCode' | 'reviewReason' | 'transferReference' | 'disbursedOn'>>;
  /** The movement this step makes, written with it; absent when no money moves. */
  ledger?: LedgerEntry;
}

export type ReviewDecision =
  | { kind: 'apply'; change: PaymentChange }
  /** The step was already taken with the same content: answering the current payment is the retry's result. */
  | { kind: 'unchanged' }
  | { kind: 'not-allowed-for-role'; allowedRoles: readonly PaymentActor[] }
  | { kind: 'requester-may-not-review' }
  | { kind: 'not-allowed-in-status'; currentStatus: PaymentStatus }
  | { kind: 'already-disbursed-differently' }
  | { kind: 'case-closed' }
  | { kind: 'invalid'; path: string; message: string };

export type ReviewRequest =
  | { action: 'approve'; note?: string | undefined }
  | { action: 'reject'; reason: PaymentRejectRequest['reason']; note?: string | undefined }
  | { action: 'cancel'; note?: string | undefined }
  | ({ action: 'disburse' } & DisbursementRequest);

/**
 * A reviewer's step. Approving, rejecting and confirming a disbursement are for someone other
 * than the requester (four eyes); cancelling is for the requester itself or a coordinator.
 * Repeating a step already taken changes nothing.
 */
/**
 * A closed case accepts no change but reopening (issue 8), so no money leaves for it: approving
 * and disbursing wait for a coordinator to reopen it. Rejecting and cancelling stay open, since
 * they only give a reservation back to the budget.
 */
export const movesMoneyOut = (action: ReviewAction): boolean => action === 'approve' || action === 'disburse';

export const decideReview = (
  payment: PaymentItem,
  actor: { partnerId: string; rolesOnCase: readonly Role[] },
  request: ReviewRequest,
  now: Date,
  caseStatus: CaseStatus
): ReviewDecision => {
  const transition: PaymentTransition = paymentActions[request.action];
  const isRequester = actor.partnerId === payment.requestedBy;
  const actingRoles = actor.rolesOnCase.filter(
    (role) => transition.by.includes(role) && (request.action !== 'cancel' || role !== 'receiver' || isRequester)
  );
  if (actingRoles.length === 0) return { kind: 'not-allowed-for-role', allowedRoles: transition.by };
  if (request.action !== 'cancel' && isRequester) return { kind: 'requester-may-not-review' };

  if (payment.status === transition.to) {
    if (request.action !== 'disburse') return { kind: 'unchanged' };
    return payment.transferReference === request.transferReference && payment.disbursedOn === request.disbursedOn
      ? { kind: 'unchanged' }
      : { kind: 'already-disbursed-differently' };
  }
  if (!transition.from.includes(payment.status)) return { kind: 'not-allowed-in-status', currentStatus: payment.status };
  if (caseStatus === 'closed' && movesMoneyOut(request.action)) return { kind: 'case-closed' };

  const at = now.toISOString();
  const by = actor.partnerId;
  const note = request.action === 'disburse' ? undefined : request.note;
  const step: PaymentStep = { status: transition.to, at, by, ...(note === undefined ? {} : { note }) };
  const planVersion = payment.planVersion;
  const release =
    holdsReservation(payment.status) && planVersion !== undefined
      ? { ledger: ledgerEntry(payment, 'released', { at, by, planVersion }) }
      : {};

  switch (request.action) {
    case 'approve':
      return { kind: 'apply', change: { status: 'approved', step, fields: {} } };
    case 'reject':
      return {
        kind: 'apply',
        change: {
          status: 'rejected',
          step: { ...step, reasonCode: 'REJECTED_ON_REVIEW', reviewReason: request.reason },
          fields: { reasonCode: 'REJECTED_ON_REVIEW', reviewReason: request.reason },
          ...release,
        },
      };
    case 'cancel':
      return { kind: 'apply', change: { status: 'cancelled', step, fields: {}, ...release } };
    case 'disburse': {
      if (request.disbursedOn > todayIso(now)) {
        return { kind: 'invalid', path: 'disbursedOn', message: 'must not be in the future' };
      }
      if (request.disbursedOn < payment.requestedAt.slice(0, 10)) {
        return { kind: 'invalid', path: 'disbursedOn', message: 'must not be before the payment was requested' };
      }
      return {
        kind: 'apply',
        change: {
          status: 'disbursed',
          step,
          fields: { transferReference: request.transferReference, disbursedOn: request.disbursedOn },
          ledger: ledgerEntry(payment, 'disbursed', {
            at,
            by,
            planVersion: planVersion as number,
            transferReference: request.transferReference,
            disbursedOn: request.disbursedOn,
          }),
        },
      };
    }
  }
};

/* ---------------------------------------------------------------- transfer instructions */

/** How long after a partner's first view of a payee's bank details further views count in the same sitting. */
export const disclosureSittingMs = 15 * 60_000;

/**
 * How a disclosure is recorded: a new sitting appended at `index` (the length of the list read), or
 * one more view counted in the caller's sitting at `index`.
 */
export type DisclosureRecord =
  | { kind: 'open-sitting'; index: number; sitting: PayeeDisclosure }
  | { kind: 'continue-sitting'; index: number; sitting: PayeeDisclosure; at: string };

export type TransferInstructionsDecision =
  | { kind: 'disclose'; record: DisclosureRecord; instructions: TransferInstructions }
  | { kind: 'not-allowed-for-role' }
  | { kind: 'requester-may-not-transfer' }
  | { kind: 'not-allowed-in-status'; currentStatus: PaymentStatus }
  | { kind: 'case-closed' };

/** Free of the purpose, notes, case reference and programme: it reaches the payee's bank statement. */
export const remittanceInformation = (paymentId: string): string => `Payment ${paymentId}`;

/**
 * The payee's bank details go to whoever may take the disbursement step, while it can be taken:
 * finance, never the requester (four eyes), for an approved payment. Every disclosure is recorded
 * before it is answered; the caller's views within a sitting are counted in one entry.
 */
export const decideTransferInstructions = (
  payment: PaymentItem,
  actor: { partnerId: string; rolesOnCase: readonly Role[] },
  now: Date,
  caseStatus: CaseStatus
): TransferInstructionsDecision => {
  const transition: PaymentTransition = paymentActions.disburse;
  if (!actor.rolesOnCase.some((role) => transition.by.includes(role))) return { kind: 'not-allowed-for-role' };
  if (actor.partnerId === payment.requestedBy) return { kind: 'requester-may-not-transfer' };
  if (!transition.from.includes(payment.status)) return { kind: 'not-allowed-in-status', currentStatus: payment.status };
  if (caseStatus === 'closed') return { kind: 'case-closed' };

  const disclosures = payment.payeeDisclosures ?? [];
  const index = disclosures.findLastIndex((sitting) => sitting.by === actor.partnerId);
  const latest = disclosures[index];
  const at = now.toISOString();
  const record: DisclosureRecord =
    latest !== undefined && now.getTime() - Date.parse(latest.firstAt) < disclosureSittingMs
      ? // Another function's clock may be slightly behind: lastAt never goes back.
        { kind: 'continue-sitting', index, sitting: latest, at: at > latest.lastAt ? at : latest.lastAt }
      : { kind: 'open-sitting', index: disclosures.length, sitting: { by: actor.partnerId, firstAt: at, lastAt: at, count: 1 } };
  return {
    kind: 'disclose',
    record,
    instructions: {
      paymentId: payment.paymentId,
      caseReference: payment.caseReference,
      amount: payment.amount,
      currency: payment.currency,
      payee: payment.payee,
      remittanceInformation: remittanceInformation(payment.paymentId),
    },
  };
};

/* ---------------------------------------------------------------- views */

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

/**
 * The budget per category: the approved plan's amount minus what is reserved and disbursed. A
 * category that holds money but left the plan shows a limit of 0.
 */
export const budgetViews = (plan: PlanVersion | undefined, budgets: readonly BudgetItem[]): BudgetView[] => {
  const byCategory = new Map(budgets.map((budget) => [budget.category, budget]));
  const planned: BudgetView[] = (plan?.items ?? []).map((item) => {
    const budget = byCategory.get(item.category);
    const reserved = budget?.reserved ?? 0;
    const disbursed = budget?.disbursed ?? 0;
    return {
      category: item.category,
      currency: plan!.currency,
      limit: item.amount,
      reserved,
      disbursed,
      available: item.amount - reserved - disbursed,
    };
  });
  const leftOver: BudgetView[] = budgets
    .filter((budget) => !planned.some((view) => view.category === budget.category) && budget.reserved + budget.disbursed > 0)
    .map((budget) => ({
      category: budget.category,
      currency: budget.currency,
      limit: 0,
      reserved: budget.reserved,
      disbursed: budget.disbursed,
      available: -(budget.reserved + budget.disbursed),
    }));
  return [...planned, ...leftOver];
};

/* ---------------------------------------------------------------- export */

export const exportEntry = ({ reservedDelta: _reserved, disbursedDelta: _disbursed, ...entry }: LedgerEntry): ExportEntry => entry;

const csvColumns = [
  'record',
  'at',
  'entryId',
  'programmeId',
  'caseReference',
  'caseId',
  'paymentId',
  'category',
  'currency',
  'movement',
  'amount',
  'count',
  'planVersion',
  'by',
  'transferReference',
  'disbursedOn',
] as const;

/**
 * RFC 4180 fields; a field a spreadsheet would read as a formula is prefixed with a quote, so an
 * export opened in a spreadsheet never runs anything.
 */
const csvField = (value: string | number | undefined): string => {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * One table: `entry` rows (the movements, amounts in minor units) followed by `total` rows (count
 * and sum per currency, category and movement), so both survive any CSV reader.
 */
export const exportCsv = (entries: readonly ExportEntry[], totals: readonly ControlTotal[]): string => {
  const rows: Array<Partial<Record<(typeof csvColumns)[number], string | number>>> = [
    ...entries.map((entry) => ({ record: 'entry', ...entry })),
    ...totals.map((total) => ({
      record: 'total',
      currency: total.currency,
      category: total.category,
      movement: total.movement,
      amount: total.sum,
      count: total.count,
    })),
  ];
  return `${[csvColumns.join(','), ...rows.map((row) => csvColumns.map((column) => csvField(row[column])).join(','))].join('\r\n')}\r\n`;
};
