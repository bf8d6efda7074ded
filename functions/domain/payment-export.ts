import type { ControlTotal, ExportEntry } from '#events/payment';
import type { LedgerEntry } from './payment-ledger.ts';

/** The ledger as finance exports it: entries without the budget's deltas, control totals, and CSV. */

export const exportEntry = ({ reservedDelta: _reserved, disbursedDelta: _disbursed, ...entry }: LedgerEntry): ExportEntry => entry;

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
