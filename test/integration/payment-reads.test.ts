import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { disbursementExample, paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { captureLogs } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import {
  approvedPayment,
  coordinator,
  dayOffset,
  disclosuresOf,
  finance,
  loggedPersonalValues,
  otherFinance,
  otherReceiver,
  personalValues,
  receiver,
  receiverWithFinance,
  referrer,
  requestAndProcess,
  today,
} from '../support/payment-parties.ts';
import {
  drainPaymentsQueue,
  exportPayments,
  getPayment,
  givenReintegratingCase,
  listPayments,
  paymentStep,
  transferInstructions,
} from '../support/payments.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';
import { scanAll } from '../support/scan.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { PaymentRepository } = await import('../../functions/adapters/payment-repository.ts');
const { decideTransferInstructions } = await import('../../functions/domain/transfer-instructions.ts');
const payments = new PaymentRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

describe('GET payments', () => {
  it("lists a case's payments with the budget left per category (plan − reserved − disbursed), page by page", async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const first = await requestAndProcess(caseId, paymentRequest({ amount: 5_000 }));
    await requestAndProcess(caseId, paymentRequest({ amount: 7_000, category: 'housing' }));
    await requestAndProcess(caseId, paymentRequest({ amount: 60_000 }));
    await paymentStep(coordinator, 'approve', first.id);
    await paymentStep(finance, 'disbursed', first.id, disbursementExample(today()));

    const page = await listPayments(receiver, caseId, 'limit=2');
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    const rest = await listPayments(receiver, caseId, `cursor=${page.body.cursor}`);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.cursor).toBeUndefined();
    expect(new Set([...page.body.items, ...rest.body.items].map((item: { id: string }) => item.id)).size).toBe(3);
    expect(page.body.budget).toEqual([
      { category: 'medical', currency: 'EUR', limit: 50_000, reserved: 0, disbursed: 5_000, available: 45_000 },
      { category: 'housing', currency: 'EUR', limit: 80_000, reserved: 7_000, disbursed: 0, available: 73_000 },
    ]);
    expectProblem(await listPayments(receiver, caseId, 'cursor=bm90LWEtY3Vyc29y'), 400);
  });

  it('finance sees payments without payee, purpose or notes; another receiver and the referrer do not see them', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    const forFinance = await listPayments(finance, caseId);
    expect(forFinance.status).toBe(200);
    expect(forFinance.body.items[0]).toMatchObject({ id: payment.id, payeeKind: 'provider', amount: 12_500 });
    expect(forFinance.raw).not.toContain(paymentRequestExample.payee.name);
    expect(forFinance.raw).not.toContain(paymentRequestExample.payee.iban);
    expect(forFinance.raw).not.toContain(paymentRequestExample.purpose);
    expect((await getPayment(finance, payment.id)).raw).not.toContain(paymentRequestExample.payee.iban);
    expectProblem(await listPayments(otherReceiver, caseId), 404);
    expectProblem(await getPayment(otherReceiver, payment.id), 404);
    expectProblem(await getPayment(referrer, payment.id), 403);
    const missing = await getPayment(coordinator, randomUUID());
    const malformed = await getPayment(coordinator, 'not-a-payment');
    expectProblem(missing, 404);
    expect(malformed.raw).toBe(missing.raw);
  });
});

describe('GET /v1/payments/{id}/transfer-instructions', () => {
  it('gives finance what the transfer needs, not to be stored, after recording who saw it; once disbursed it is 409', async () => {
    const payment = await approvedPayment();
    const response = await transferInstructions(finance, payment.id);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      paymentId: payment.id,
      caseReference: payment.caseReference,
      amount: 12_500,
      currency: 'EUR',
      payee: paymentRequestExample.payee,
      remittanceInformation: `Payment ${payment.id}`,
    });
    for (const value of [paymentRequestExample.purpose, 'Within the plan.']) expect(response.raw).not.toContain(value);

    // The payment says who saw the bank details and when, to finance and coordinators alike, never what.
    const forFinance = await getPayment(finance, payment.id);
    expect(forFinance.body.payeeDisclosures).toEqual([
      { by: finance.partnerId, firstAt: expect.any(String), lastAt: expect.any(String), count: 1 },
    ]);
    const [sitting] = forFinance.body.payeeDisclosures;
    expect(sitting.lastAt).toBe(sitting.firstAt);
    for (const value of personalValues) expect(forFinance.raw).not.toContain(value);
    expect(await disclosuresOf(payment.id)).toEqual(forFinance.body.payeeDisclosures);
    // Looking is not a step: the steps are as they were, and the transfer is confirmed without a conflict.
    expect(forFinance.body.steps.map((step: { status: string }) => step.status)).toEqual(['requested', 'reserved', 'approved']);
    expect((await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()))).status).toBe(200);

    const afterwards = await transferInstructions(finance, payment.id);
    expectProblem(afterwards, 409, 'illegal-transition');
    expect(afterwards.body.currentStatus).toBe('disbursed');
    for (const value of personalValues) expect(afterwards.raw).not.toContain(value);
    expect(await disclosuresOf(payment.id)).toEqual([sitting]);
  });

  it("reloads and retries, even at once, count in the caller's sitting: one entry, every view counted", async () => {
    const payment = await approvedPayment();
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => transferInstructions(finance, payment.id)));
    expect(concurrent.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (let view = 0; view < 2; view += 1) expect((await transferInstructions(finance, payment.id)).status).toBe(200);

    const disclosures = await disclosuresOf(payment.id);
    expect(disclosures).toEqual([{ by: finance.partnerId, firstAt: expect.any(String), lastAt: expect.any(String), count: 8 }]);
    expect(disclosures[0].lastAt >= disclosures[0].firstAt).toBe(true);
  });

  it('a view after the sitting, or by another finance partner, is an entry of its own', async () => {
    const payment = await approvedPayment();
    // A sitting of this partner that began twenty minutes ago, as that view would have left it.
    const earlier = new Date(Date.now() - 20 * 60_000).toISOString();
    const old = { by: finance.partnerId, firstAt: earlier, lastAt: earlier, count: 3 };
    await documentClient.send(
      new UpdateCommand({
        TableName: process.env.CASES_TABLE_NAME!,
        Key: { pk: `CASE#${payment.caseId}`, sk: `PAYMENT#${payment.id}` },
        UpdateExpression: 'SET payeeDisclosures = :disclosures',
        ExpressionAttributeValues: { ':disclosures': [old] },
      })
    );
    expect((await transferInstructions(finance, payment.id)).status).toBe(200);
    expect((await transferInstructions(otherFinance, payment.id)).status).toBe(200);
    expect((await transferInstructions(finance, payment.id)).status).toBe(200);
    expect(await disclosuresOf(payment.id)).toEqual([
      old,
      expect.objectContaining({ by: finance.partnerId, count: 2 }),
      expect.objectContaining({ by: otherFinance.partnerId, count: 1 }),
    ]);
  });

  it('a disclosure decided on what was read does not land once the payment or its disclosures moved on', async () => {
    const payment = await approvedPayment();
    const read = (await payments.get(payment.id))!;
    const actor = { partnerId: finance.partnerId, rolesOnCase: ['finance'] as const };
    const decide = (stored: typeof read) => {
      const decision = decideTransferInstructions(stored, actor, new Date(), 'reintegrating');
      if (decision.kind !== 'disclose') throw new Error(`expected a disclosure, got ${decision.kind}`);
      return decision.record;
    };
    const opening = decide(read);
    expect(await payments.recordPayeeDisclosure(read, opening)).toBe('applied');
    // Another request opened the sitting from the same read: it is not opened twice.
    expect(await payments.recordPayeeDisclosure(read, opening)).toBe('conflict');
    const continuing = decide((await payments.get(payment.id))!);
    expect(continuing.kind).toBe('continue-sitting');

    expect((await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()))).status).toBe(200);
    expect(await payments.recordPayeeDisclosure(read, continuing)).toBe('conflict');
    expect(await payments.recordPayeeDisclosure(read, decide({ ...read, payeeDisclosures: [] }))).toBe('conflict');
    expect(await disclosuresOf(payment.id)).toEqual([expect.objectContaining({ by: finance.partnerId, count: 1 })]);
  });

  it('before approval it is 409 naming the status, and nothing is recorded; an unknown or malformed id is 404 as for any payment', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    const response = await transferInstructions(finance, payment.id);
    expectProblem(response, 409, 'illegal-transition');
    expect(response.body.currentStatus).toBe('reserved');
    for (const value of personalValues) expect(response.raw).not.toContain(value);
    expect(await disclosuresOf(payment.id)).toEqual([]);

    const missing = await transferInstructions(finance, randomUUID());
    expectProblem(missing, 404);
    expect((await transferInstructions(finance, 'not-a-payment')).raw).toBe(missing.raw);
    expect((await getPayment(finance, randomUUID())).raw).toBe(missing.raw);
  });

  it('the requester is refused even holding the finance role (four eyes), other roles by role, and nothing is recorded', async () => {
    const payment = await approvedPayment(receiverWithFinance);
    expectProblem(await transferInstructions(receiverWithFinance, payment.id), 403, 'four-eyes');
    expectProblem(await transferInstructions(coordinator, payment.id), 403, 'forbidden');
    expectProblem(await transferInstructions(receiver, payment.id), 403, 'forbidden');
    expect(await disclosuresOf(payment.id)).toEqual([]);
  });
});

describe('GET /v1/payments/export', () => {
  it('gives the ledger of the period as JSON and CSV, with control totals equal to the ledger’s sums', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const paid = await requestAndProcess(caseId, paymentRequest({ amount: 3_000 }));
    await paymentStep(coordinator, 'approve', paid.id);
    await paymentStep(finance, 'disbursed', paid.id, disbursementExample(today()));
    const released = await requestAndProcess(caseId, paymentRequest({ amount: 4_000, category: 'housing' }));
    await paymentStep(coordinator, 'reject', released.id, { reason: 'duplicate' });

    const [from, to] = [dayOffset(-1), dayOffset(1)];
    const exported = await exportPayments(finance, `from=${from}&to=${to}`);
    expect(exported.status).toBe(200);

    // The ledger itself, read straight from the table.
    const Items: Record<string, Json>[] = await scanAll(documentClient, {
      TableName: process.env.CASES_TABLE_NAME!,
      FilterExpression: 'begins_with(sk, :ledger) AND #at BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':ledger': 'LEDGER#', ':from': from, ':to': `${to}~` },
    });
    expect(exported.body.entries).toHaveLength(Items.length);
    expect(new Set(exported.body.entries.map((entry: { entryId: string }) => entry.entryId))).toEqual(
      new Set(Items.map((item) => item.entryId))
    );
    const ledgerTotals = new Map<string, { count: number; sum: number }>();
    for (const item of Items) {
      const key = `${item.currency}/${item.category}/${item.movement}`;
      const total = ledgerTotals.get(key) ?? { count: 0, sum: 0 };
      ledgerTotals.set(key, { count: total.count + 1, sum: total.sum + item.amount });
    }
    expect(
      new Map(
        exported.body.controlTotals.map((total: Json) => [
          `${total.currency}/${total.category}/${total.movement}`,
          { count: total.count, sum: total.sum },
        ])
      )
    ).toEqual(ledgerTotals);
    // This test's movements are in it.
    expect(
      exported.body.entries
        .filter((entry: { caseId: string }) => entry.caseId === caseId)
        .map((entry: { movement: string }) => entry.movement)
        .sort()
    ).toEqual(['disbursed', 'released', 'reserved', 'reserved'].sort());
    expect(
      exported.body.entries.find(
        (entry: { movement: string; paymentId: string }) => entry.movement === 'disbursed' && entry.paymentId === paid.id
      )
    ).toMatchObject({
      transferReference: 'SEPA-2026-11-000412',
      disbursedOn: today(),
    });

    const csv = await exportPayments(finance, `from=${from}&to=${to}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const rows = csv.raw
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    const header = rows[0]!;
    const column = (row: string[], name: string) => row[header.indexOf(name)];
    expect(rows.filter((row) => column(row, 'record') === 'entry')).toHaveLength(Items.length);
    const csvTotals = rows.filter((row) => column(row, 'record') === 'total');
    expect(
      new Map(
        csvTotals.map((row) => [
          `${column(row, 'currency')}/${column(row, 'category')}/${column(row, 'movement')}`,
          { count: Number(column(row, 'count')), sum: Number(column(row, 'amount')) },
        ])
      )
    ).toEqual(ledgerTotals);

    for (const raw of [exported.raw, csv.raw]) {
      expect(raw).not.toContain(paymentRequestExample.payee.name);
      expect(raw).not.toContain(paymentRequestExample.payee.iban);
      expect(raw).not.toContain(paymentRequestExample.purpose);
    }
  });

  it.each([
    ['to before from', `from=${'2026-02-01'}&to=${'2026-01-01'}`, 'query.to'],
    ['a year and more', 'from=2025-01-01&to=2026-01-02', 'query.to'],
    ['no from', 'to=2026-01-01', 'query.from'],
    ['a bad format', 'from=2026-01-01&to=2026-01-02&format=xlsx', 'query.format'],
  ])('%s is 400', async (_label, queryString, path) => {
    const response = await exportPayments(finance, queryString);
    expectProblem(response, 400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toEqual([path]);
  });
});

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  expect(text).toContain('transfer instructions disclosed');
  for (const value of loggedPersonalValues()) expect(text).not.toContain(value);
});
