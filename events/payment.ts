import * as z from 'zod/mini';
import { isValidIban } from './iban.ts';
import { pageCursor } from './page-cursor.ts';
import { currencyCode, minorUnits, planCategory } from './plan.ts';
import { caseId, isoDate, isoDateTime, partnerId, programmeId, text } from './primitives.ts';

/**
 * Reintegration payments: the request a receiving partner makes against the approved plan, the
 * payment record the cases table's stream carries to the payment-events consumer (with its payee,
 * which is personal data and never leaves the payment except to full-view callers), the message on
 * the FIFO payments queue (ids and amounts only), the ledger export and the views partners get.
 * How they are stored is functions/adapters/payment-items.ts's business.
 */

/** Payment ids look like case ids (a UUID), derived from the requester and its Idempotency-Key. */
export const paymentId = z
  .string()
  .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a payment id' }));

export const paymentStatuses = ['requested', 'reserved', 'approved', 'disbursed', 'rejected', 'cancelled'] as const;
export const paymentStatus = z.enum(paymentStatuses);
export type PaymentStatus = z.infer<typeof paymentStatus>;

/** Why the payments Lambda could not reserve the amount. */
export const reservationRefusals = [
  'OVER_BUDGET',
  'PLAN_NOT_APPROVED',
  'CATEGORY_NOT_IN_PLAN',
  'CASE_CLOSED',
  'CURRENCY_MISMATCH',
] as const;
export type ReservationRefusal = (typeof reservationRefusals)[number];

/** `reasonCode` of a rejected payment: a refusal at reservation, or a reviewer's rejection. */
export const rejectionCodes = [...reservationRefusals, 'REJECTED_ON_REVIEW'] as const;
export type RejectionCode = (typeof rejectionCodes)[number];

/** What a reviewer gives as the reason to reject (codes, so no free text reaches emails). */
export const reviewRejectionReasons = [
  'missing_documents',
  'not_in_plan_purpose',
  'amount_not_justified',
  'payee_not_verified',
  'duplicate',
  'other',
] as const;

export const payeeKinds = ['provider', 'beneficiary'] as const;

const ibanMessage = 'must be an IBAN in capitals without spaces, with a valid check number';
export const iban = z
  .string()
  .check(z.regex(/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/, { error: ibanMessage, abort: true }), z.refine(isValidIban, { error: ibanMessage }));

export const payeeSchema = z.strictObject({
  kind: z.enum(payeeKinds),
  name: text(200),
  iban: z.optional(iban),
});
export type Payee = z.infer<typeof payeeSchema>;

/** The payee as stored: its name and account are removed when the case's personal data is erased. */
export const storedPayeeSchema = z.object({
  kind: z.enum(payeeKinds),
  name: z.optional(z.string()),
  iban: z.optional(z.string()),
});

/** `POST /v1/referrals/{id}/payments` */
export const paymentRequestSchema = z.strictObject({
  category: planCategory,
  amount: minorUnits,
  currency: currencyCode,
  payee: payeeSchema,
  purpose: text(500),
});
export type PaymentRequest = z.infer<typeof paymentRequestSchema>;

/** `POST /v1/payments/{id}/approve` and `/cancel` */
export const paymentNoteRequestSchema = z.strictObject({ note: z.optional(text(2000)) });
export type PaymentNoteRequest = z.infer<typeof paymentNoteRequestSchema>;

/** `POST /v1/payments/{id}/reject` */
export const paymentRejectRequestSchema = z.strictObject({
  reason: z.enum(reviewRejectionReasons),
  note: z.optional(text(2000)),
});
export type PaymentRejectRequest = z.infer<typeof paymentRejectRequestSchema>;

/** A bank's transfer reference: letters, digits and a few separators, so it cannot carry a name's accents or a formula. */
export const transferReference = z.string().check(
  z.regex(/^[A-Za-z0-9][A-Za-z0-9./_-]{0,63}$/, {
    error: 'must be 1 to 64 letters, digits or . / _ - starting with a letter or digit',
  })
);

/** `POST /v1/payments/{id}/disbursed` */
export const disbursementRequestSchema = z.strictObject({
  transferReference,
  disbursedOn: isoDate,
});
export type DisbursementRequest = z.infer<typeof disbursementRequestSchema>;

export const paymentActors = z.union([partnerId, z.literal('system')]);

/** One step of a payment's life: who moved it where, when, and why. */
export const paymentStepSchema = z.object({
  status: paymentStatus,
  at: isoDateTime,
  by: paymentActors,
  reasonCode: z.optional(z.enum(rejectionCodes)),
  reviewReason: z.optional(z.enum(reviewRejectionReasons)),
  /** Free text; shown to full-view callers only. */
  note: z.optional(z.string()),
});
export type PaymentStep = z.infer<typeof paymentStepSchema>;

/** The asynchronous step (reservation by the payments Lambda): how often it was tried and what last went wrong. */
export const stepAttemptsSchema = z.object({
  count: z.int().check(z.minimum(0)),
  lastAttemptAt: z.optional(isoDateTime),
  /** An error name or code, never a message (messages can echo data). */
  lastError: z.optional(z.string()),
});
export type StepAttempts = z.infer<typeof stepAttemptsSchema>;

/**
 * One sitting in which a finance partner was shown a payment's transfer instructions (the payee's
 * name and account): who and when, never what. Views soon after a sitting's first one
 * (`disclosureSittingMs` in functions/domain/transfer-instructions.ts) are counted in it, so a reload or a
 * client's retry adds to `count` instead of making a new entry.
 */
export const payeeDisclosureSchema = z.object({
  by: partnerId,
  firstAt: isoDateTime,
  lastAt: isoDateTime,
  count: z.int().check(z.positive()),
});
export type PayeeDisclosure = z.infer<typeof payeeDisclosureSchema>;

/** A payment, as stored and as the stream carries it (events/notification.ts picks what a consumer reads of it). */
export const paymentItemSchema = z.object({
  entity: z.literal('PAYMENT'),
  paymentId,
  caseId,
  caseReference: z.string(),
  programmeId,
  requestedBy: partnerId,
  requestedAt: isoDateTime,
  category: planCategory,
  amount: minorUnits,
  currency: currencyCode,
  /** Free text: absent once the case's personal data is erased, like the payee's name and account. */
  purpose: z.optional(z.string()),
  payee: storedPayeeSchema,
  status: paymentStatus,
  /** The plan version the amount was reserved against. */
  planVersion: z.optional(z.int().check(z.positive())),
  reasonCode: z.optional(z.enum(rejectionCodes)),
  reviewReason: z.optional(z.enum(reviewRejectionReasons)),
  transferReference: z.optional(transferReference),
  disbursedOn: z.optional(isoDate),
  steps: z.array(paymentStepSchema),
  attempts: z.object({ reserve: stepAttemptsSchema }),
  /** Absent until finance first asks for the transfer instructions. */
  payeeDisclosures: z.optional(z.array(payeeDisclosureSchema)),
  updatedAt: isoDateTime,
  /** Optimistic lock for the reviewers' steps. */
  version: z.int().check(z.positive()),
});
export type PaymentItem = z.infer<typeof paymentItemSchema>;

/** The message on the FIFO payments queue: ids and amounts only, never the payee or the purpose. */
export const paymentMessageSchema = z.strictObject({
  paymentId,
  caseId,
  amount: minorUnits,
  currency: currencyCode,
});
export type PaymentMessage = z.infer<typeof paymentMessageSchema>;

export const ledgerMovements = ['reserved', 'released', 'disbursed'] as const;
export type LedgerMovement = (typeof ledgerMovements)[number];

export const maxPaymentPageSize = 200;
export const defaultPaymentPageSize = 50;

/** `GET /v1/referrals/{id}/payments` */
export const listPaymentsQuerySchema = z.strictObject({
  limit: z.optional(
    z
      .pipe(
        z.string().check(z.regex(/^\d{1,4}$/, { error: `must be a whole number from 1 to ${maxPaymentPageSize}` })),
        z.transform(Number)
      )
      .check(
        z.refine((value) => value >= 1 && value <= maxPaymentPageSize, {
          error: `must be a whole number from 1 to ${maxPaymentPageSize}`,
        })
      )
  ),
  cursor: z.optional(pageCursor),
});

export const exportFormats = ['json', 'csv'] as const;
export const maxExportDays = 366;

/** `GET /v1/payments/export` */
export const exportQuerySchema = z
  .strictObject({
    from: isoDate,
    to: isoDate,
    format: z.optional(z.enum(exportFormats)),
  })
  .check(
    z.refine((query) => query.from <= query.to, { error: 'must not be before from', path: ['to'], when: datesAreValid, abort: true }),
    z.refine((query) => daysBetween(query.from, query.to) < maxExportDays, {
      error: `must make a period of at most ${maxExportDays} days with from`,
      path: ['to'],
      when: datesAreValid,
    })
  );
export type ExportQuery = z.infer<typeof exportQuerySchema>;

/** The range checks only make sense once both dates are dates. */
function datesAreValid(payload: z.core.ParsePayload): boolean {
  return payload.issues.length === 0;
}

const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 86_400_000;

/* ---- what the payment routes answer ---- */

const payment = paymentItemSchema.shape;

const financeStepSchema = z.omit(paymentStepSchema, { note: true });

/** What finance sees: amounts, codes, steps; no payee name or account, no purpose or notes. */
export const paymentFinanceViewSchema = z.object({
  id: paymentId,
  caseId,
  caseReference: payment.caseReference,
  programmeId,
  category: payment.category,
  amount: payment.amount,
  currency: payment.currency,
  payeeKind: z.enum(payeeKinds),
  status: paymentStatus,
  planVersion: payment.planVersion,
  reasonCode: payment.reasonCode,
  reviewReason: payment.reviewReason,
  transferReference: payment.transferReference,
  disbursedOn: payment.disbursedOn,
  requestedBy: partnerId,
  requestedAt: isoDateTime,
  updatedAt: isoDateTime,
  steps: z.array(financeStepSchema),
  attempts: payment.attempts,
  /** Who was shown the payee's name and account to make the transfer, and when (never the values). */
  payeeDisclosures: z.array(payeeDisclosureSchema),
});
export type PaymentFinanceView = z.infer<typeof paymentFinanceViewSchema>;

/** What the requesting receiver and coordinators see: everything, including the payee. */
export const paymentViewSchema = z.extend(paymentFinanceViewSchema, {
  payee: storedPayeeSchema,
  purpose: z.optional(z.string()),
  steps: z.array(paymentStepSchema),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

export const budgetViewSchema = z.object({
  category: planCategory,
  currency: currencyCode,
  limit: z.int(),
  reserved: z.int(),
  disbursed: z.int(),
  /** limit − reserved − disbursed: what can still be requested. */
  available: z.int(),
});
export type BudgetView = z.infer<typeof budgetViewSchema>;

export const paymentPageSchema = z.object({
  items: z.array(z.union([paymentViewSchema, paymentFinanceViewSchema])),
  /** The case's budget per category of its approved plan (and any category still holding money). */
  budget: z.array(budgetViewSchema),
  cursor: z.optional(z.string()),
});

/**
 * `GET /v1/payments/{id}/transfer-instructions`: what finance needs to make the transfer of an
 * approved payment. The remittance text carries the payment id only: it travels through the banks
 * to the payee's statement, where a case reference or a programme name could say too much.
 */
export const transferInstructionsSchema = z.object({
  paymentId,
  caseReference: payment.caseReference,
  amount: payment.amount,
  currency: payment.currency,
  /** `iban` is absent when the requester gave none: agree the means of payment with the receiving partner. */
  payee: payeeSchema,
  remittanceInformation: z.string(),
});
export type TransferInstructions = z.infer<typeof transferInstructionsSchema>;

export const requestedPaymentSchema = z.object({ id: paymentId, status: paymentStatus });

/**
 * One money movement of the ledger as finance exports it (functions/domain/payment-ledger.ts keeps
 * it with what it did to the budget's counters).
 */
export const exportEntrySchema = z.object({
  entryId: z.string(),
  at: isoDateTime,
  caseId,
  caseReference: z.string(),
  programmeId,
  paymentId,
  category: planCategory,
  currency: currencyCode,
  movement: z.enum(ledgerMovements),
  amount: minorUnits,
  planVersion: z.int().check(z.positive()),
  by: paymentActors,
  transferReference: z.optional(transferReference),
  disbursedOn: z.optional(isoDate),
});
export type ExportEntry = z.infer<typeof exportEntrySchema>;

/** Count and sum of one movement in one currency and category. */
export const controlTotalSchema = z.object({
  currency: currencyCode,
  category: planCategory,
  movement: z.enum(ledgerMovements),
  count: z.int(),
  sum: z.int(),
});
export type ControlTotal = z.infer<typeof controlTotalSchema>;

export const paymentExportSchema = z.object({
  from: isoDate,
  to: isoDate,
  generatedAt: isoDateTime,
  entries: z.array(exportEntrySchema),
  controlTotals: z.array(controlTotalSchema),
});
export type PaymentExport = z.infer<typeof paymentExportSchema>;
