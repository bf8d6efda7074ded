import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '#domain/payment-ledger';

/**
 * How payments, budgets and the ledger are laid out in the cases table, for the payment
 * repositories (payment-repository.ts, budget-repository.ts, ledger-repository.ts,
 * payment-digest-repository.ts), the only code that reads or writes them and so the only code that
 * touches a payee's name and account. Every money movement is one transaction: the payment's
 * status (conditioned on the status it was read in), the category budget's counters (conditioned
 * on what is available) and the ledger entry that records it, or none of them.
 *
 * Items, all in the cases table:
 * - `CASE#<case>` / `PAYMENT#<payment>`: the payment, with its payee, steps and who was shown the payee
 * - `PAYMENT#<payment>` / `PAYMENT`: which case a payment belongs to (payment routes carry only its id)
 * - `CASE#<case>` / `BUDGET#<category>`: the category's counters (functions/domain/payment-budget.ts)
 * - `CASE#<case>` / `LEDGER#<time>#<payment>#<movement>`: append-only movements (functions/domain/payment-ledger.ts)
 * - `DIGEST#PAYMENTS` / `<day>`: the marker that makes the daily digest go out once
 *
 * The `finance` index (partition `financePartition`, sort `sk`) holds the ledger by month
 * (`LEDGER#<yyyy-mm>`) for the export, and the open payments (`OPEN_PAYMENT`) for the digest; it
 * projects neither the payee nor the purpose.
 */
export const financeIndexName = 'finance';
export const openPaymentsPartition = 'OPEN_PAYMENT';
export const ledgerPartition = (at: string): string => `LEDGER#${at.slice(0, 7)}`;

export const casePk = (caseId: string): string => `CASE#${caseId}`;
export const paymentPrefix = 'PAYMENT#';
export const budgetPrefix = 'BUDGET#';
export const paymentKey = (caseId: string, paymentId: string) => ({ pk: casePk(caseId), sk: `${paymentPrefix}${paymentId}` });
export const pointerKey = (paymentId: string) => ({ pk: `PAYMENT#${paymentId}`, sk: 'PAYMENT' });
export const budgetKey = (caseId: string, category: string) => ({ pk: casePk(caseId), sk: `${budgetPrefix}${category}` });
export const ledgerSk = (at: string): string => `LEDGER#${at}`;
const ledgerKey = (entry: LedgerEntry) => ({ pk: casePk(entry.caseId), sk: `${ledgerSk(entry.at)}#${entry.paymentId}#${entry.movement}` });
export const digestKey = (day: string) => ({ pk: 'DIGEST#PAYMENTS', sk: day });
/** The case item, which case-repository.ts owns; money movements are conditioned on it. */
export const caseKey = (caseId: string) => ({ pk: casePk(caseId), sk: 'CASE' });

/** A transaction that lost its condition: the caller reads again and decides afresh. */
export type WriteOutcome = 'applied' | 'conflict';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;
export type TransactItem = TransactItems[number];

export const ledgerPut = (tableName: string, entry: LedgerEntry): TransactItem => ({
  Put: {
    TableName: tableName,
    Item: { ...ledgerKey(entry), entity: 'LEDGER', ...entry, financePartition: ledgerPartition(entry.at) },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** Writes all of the items or none; a lost condition is a `conflict`. */
export const transact = async (client: DynamoDBDocumentClient, items: TransactItems): Promise<WriteOutcome> => {
  try {
    await client.send(new TransactWriteCommand({ TransactItems: items }));
    return 'applied';
  } catch (error) {
    if (error instanceof TransactionCanceledException) return 'conflict';
    throw error;
  }
};

/** A failed condition, alone or as one reason a transaction was cancelled. */
export const isConditionFailure = (error: unknown): boolean =>
  (error instanceof Error && error.name === 'ConditionalCheckFailedException') ||
  (error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed'));
