import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { type LedgerEntry, ledgerEntrySchema } from '#domain/payment-ledger';
import { financeIndexName, ledgerPartition, ledgerSk } from './payment-items.ts';

/** The ledger as finance reads it, by month on the finance index (payment-items.ts); it is written with the movements. */
export class LedgerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** Ledger entries whose time falls on the days from `from` to `to` (UTC), oldest first; at most `max` + 1. */
  async ledgerBetween(from: string, to: string, max: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    for (const month of monthsBetween(from, to)) {
      const pages = paginateQuery(
        { client: this.client },
        {
          TableName: this.tableName,
          IndexName: financeIndexName,
          KeyConditionExpression: 'financePartition = :partition AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':partition': ledgerPartition(month), ':from': ledgerSk(from), ':to': `${ledgerSk(to)}~` },
        }
      );
      for await (const page of pages) {
        entries.push(...(page.Items ?? []).map((item) => ledgerEntrySchema.parse(item)));
        // One more than the caller takes tells it the range holds more.
        if (entries.length > max) return entries;
      }
    }
    return entries;
  }
}

/** `YYYY-MM` of every month the days from `from` to `to` touch. */
export const monthsBetween = (from: string, to: string): string[] => {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last) return months;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
};
