import { documentClient } from '#adapters/dynamodb';
import { LedgerRepository } from '#adapters/ledger-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { ProblemError } from '#commons/problem';
import { controlTotals, exportCsv, exportEntry } from '#domain/payment-export';
import { exportQuerySchema, type PaymentExport } from '#events/payment';
import { rolesFor } from '#events/routes';

const ledger = new LedgerRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));

/** Keeps a response well inside Lambda's 6 MB; a programme's year is far below it. */
const maxEntries = 10_000;

/**
 * The ledger for a period, with control totals computed from exactly the entries returned, so
 * finance can check the export against its own sums and against the bank.
 */
const exportPayments = async (event: ApiEvent): Promise<ApiResult> => {
  const query = parseQuery(event, exportQuerySchema);
  const movements = await ledger.ledgerBetween(query.from, query.to, maxEntries);
  if (movements.length > maxEntries) {
    throw new ProblemError({
      type: 'export-too-large',
      title: 'Too many entries for one export',
      status: 422,
      detail: `The period holds more than ${maxEntries} ledger entries. Export a shorter period.`,
    });
  }
  const entries = movements.map(exportEntry);
  const totals = controlTotals(movements);
  if (query.format === 'csv') {
    return {
      statusCode: 200,
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="payments-${query.from}-${query.to}.csv"`,
      },
      body: exportCsv(entries, totals),
    };
  }
  const body: PaymentExport = { from: query.from, to: query.to, generatedAt: new Date().toISOString(), entries, controlTotals: totals };
  return json(200, body);
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/payments/export')))
  .handler(exportPayments);
