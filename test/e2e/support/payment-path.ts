import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { tactReferral } from '../../../events/samples/index.ts';
import { disbursementExample, paymentRequestExample } from '../../../events/samples/payments.ts';
import type { LocalStack } from '../../../infra/local/local-stack.ts';
import { waitFor } from '../../support/harness.ts';
import { type StoredEmail, toAndSubject } from '../../support/inbox.ts';
import type { Json } from '../../support/json.ts';
import { scanAll } from '../../support/scan.ts';
import { approvePlanThroughRoutes } from './case-path.ts';

/*
 * One payment from request to disbursed through the local stack, step by step, with its checks:
 * the transfer instructions, the steps, the budget, finance's and the requester's emails each once,
 * and the export against the ledger in the table. Run as it is by payments.test.ts, and with every
 * delivery doubled by doubled-deliveries.test.ts.
 */

/** Walks one new case to an approved plan and one payment of it to disbursed; returns their ids. */
export async function walkPaymentPath(
  stack: LocalStack,
  documentClient: DynamoDBDocumentClient,
  options: { copiesDelivered?: boolean } = {}
): Promise<{ caseId: string; paymentId: string }> {
  const resourceRef = (logicalIdPrefix: string): string => {
    const ids = Object.keys(stack.resources).filter(
      (id) => id.startsWith(logicalIdPrefix) && /^[0-9A-F]{8}$/.test(id.slice(logicalIdPrefix.length))
    );
    if (ids.length !== 1) throw new Error(`expected one resource ${logicalIdPrefix}, found ${ids.join(', ') || 'none'}`);
    return stack.resources[ids[0]!]!.ref;
  };
  const partnerKey = (id: string): string => {
    const found = stack.partners.find((candidate) => candidate.id === id);
    if (found === undefined) throw new Error(`no demo partner ${id}`);
    return found.key;
  };
  const call = async (partnerId: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${partnerKey(partnerId)}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const created = await call('demo-referrer-fr', 'POST', '/v1/referrals', tactReferral(), { 'Idempotency-Key': randomUUID() });
  expect(created.status).toBe(201);
  const caseId = created.body.id as string;
  // The platform assesses and offers the case off the stream; the partners take it to an approved plan.
  await approvePlanThroughRoutes(stack, caseId, { plan: { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] } });

  const requested = await call('demo-receiver-al', 'POST', `/v1/referrals/${caseId}/payments`, paymentRequestExample, {
    'Idempotency-Key': randomUUID(),
  });
  expect(requested.status).toBe(202);
  const paymentId = requested.body.id as string;

  // The payments queue's event source mapping runs the payments Lambda.
  await waitFor(async () => (await call('demo-coordinator', 'GET', `/v1/payments/${paymentId}`)).body.status === 'reserved', {
    timeoutMs: 30_000,
    intervalMs: 200,
    description: 'the payment reserved',
  });
  expect((await call('demo-coordinator', 'POST', `/v1/payments/${paymentId}/approve`, {})).status).toBe(200);
  // Finance reads the bank details to make the transfer; the payment records that it did.
  const instructions = await fetch(`${stack.apiUrl}/v1/payments/${paymentId}/transfer-instructions`, {
    headers: { Authorization: `Bearer ${partnerKey('demo-finance')}` },
  });
  expect(instructions.status).toBe(200);
  expect(instructions.headers.get('cache-control')).toBe('no-store');
  expect(await instructions.json()).toMatchObject({
    paymentId,
    payee: paymentRequestExample.payee,
    remittanceInformation: `Payment ${paymentId}`,
  });
  expect((await call('demo-finance', 'GET', `/v1/payments/${paymentId}`)).body.payeeDisclosures).toEqual([
    expect.objectContaining({ by: 'demo-finance', count: 1 }),
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const disbursed = await call('demo-finance', 'POST', `/v1/payments/${paymentId}/disbursed`, disbursementExample(today));
  expect(disbursed.status).toBe(200);
  expect(disbursed.body.steps.map((step: { status: string; by: string }) => [step.status, step.by])).toEqual([
    ['requested', 'demo-receiver-al'],
    ['reserved', 'system'],
    ['approved', 'demo-coordinator'],
    ['disbursed', 'demo-finance'],
  ]);

  const listed = await call('demo-receiver-al', 'GET', `/v1/referrals/${caseId}/payments`);
  expect(listed.body.budget).toEqual([
    { category: 'medical', currency: 'EUR', limit: 50_000, reserved: 0, disbursed: 12_500, available: 37_500 },
  ]);

  // Finance is emailed each step it acts on, and the requester the decision and the transfer, through
  // the real path: the cases stream runs the payment notifier, the notifications queue runs the mailer.
  const mailer = stack.functions().find((fn) => fn.logicalId.startsWith('StakeholderNotificationsMailer'))!;
  const financeAddress = mailer.environment.FINANCE_ADDRESS!;
  const paymentLink = `${mailer.environment.CASE_BASE_URL!.replace(/\/+$/, '')}/${caseId}/payments/${paymentId}`;
  const reference = created.body.reference as string;
  // demo-receiver-al writes in Albanian, which has no templates yet: English.
  const requester = 'demo-receiver-al@demo.trm.example.org';
  const expected = [
    `${financeAddress} | Case ${reference}: payment of €125.00 awaiting approval`,
    `${financeAddress} | Case ${reference}: payment of €125.00 to disburse`,
    `${requester} | Case ${reference}: payment of €125.00 approved`,
    `${requester} | Case ${reference}: payment of €125.00 disbursed`,
  ].sort();
  const paymentEmails = async () =>
    ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails.filter((email) =>
      email.body.text?.includes(paymentLink)
    );
  const emails = await waitFor(
    async () => {
      const found = await paymentEmails();
      return found.length >= expected.length && found;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'the payment emails to finance and the requester' }
  );
  expect(toAndSubject(emails)).toEqual(expected);
  for (const email of emails) {
    for (const value of [paymentRequestExample.payee.name, paymentRequestExample.payee.iban!, paymentRequestExample.purpose]) {
      expect(`${email.subject} ${email.body.text} ${email.body.html}`).not.toContain(value);
    }
  }

  const exported = await call('demo-finance', 'GET', `/v1/payments/export?from=${today}&to=${today}`);
  expect(exported.status).toBe(200);
  const ledger: Record<string, Json>[] = await scanAll(documentClient, {
    TableName: resourceRef('DataCases'),
    FilterExpression: 'begins_with(sk, :ledger) AND begins_with(#at, :today)',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ':ledger': 'LEDGER#', ':today': today },
  });
  expect(exported.body.entries).toHaveLength(ledger.length);
  for (const movement of ['reserved', 'disbursed']) {
    const total = exported.body.controlTotals.find(
      (candidate: { currency: string; category: string; movement: string }) =>
        candidate.currency === 'EUR' && candidate.category === 'medical' && candidate.movement === movement
    );
    const entries = ledger.filter((entry) => entry.currency === 'EUR' && entry.category === 'medical' && entry.movement === movement);
    expect(total).toEqual({
      currency: 'EUR',
      category: 'medical',
      movement,
      count: entries.length,
      sum: entries.reduce((sum, entry) => sum + entry.amount, 0),
    });
  }
  expect(JSON.stringify(exported.body)).not.toContain(paymentRequestExample.payee.name);

  // Every payment function that ran along the way ended well.
  const payments = stack.invocations.filter((record) =>
    /^(PaymentProcessing|RequestPayment|ApprovePayment|RecordDisbursement|GetPayment|GetTransferInstructions|ListPayments|ExportPayments)/.test(
      record.functionId
    )
  );
  // With every delivery doubled, a queue consumer handed a copy while the first is still in progress
  // refuses the batch (functions/commons/event-consumer.ts) and the queue brings it back later: that
  // refusal, and only that, is expected then.
  const refusedCopy = (record: (typeof payments)[number]): boolean =>
    options.copiesDelivered === true && record.trigger.startsWith('queue ') && record.errorType === 'FullBatchFailureError';
  expect(
    payments
      .filter((record) => record.outcome !== 'ok' && !refusedCopy(record))
      .map((record) => `${record.functionName} ${record.trigger} ${record.errorType ?? record.outcome}`)
  ).toEqual([]);
  return { caseId, paymentId };
}
