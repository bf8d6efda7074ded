import * as z from 'zod/mini';
import { exportEntrySchema, type LedgerMovement, type PaymentItem } from '#events/payment';

/**
 * The append-only ledger of money movements: one entry per movement, written in the same
 * transaction as the payment's status change and the budget's counters, never changed afterwards.
 * It is the export's entry plus `reservedDelta` and `disbursedDelta`, what it did to the budget's
 * counters.
 */
export const ledgerEntrySchema = z.extend(exportEntrySchema, {
  reservedDelta: z.int(),
  disbursedDelta: z.int(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

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
