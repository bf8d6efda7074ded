import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notificationMessageSchema } from '../../events/notification.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { disbursementExample, paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { api, registerPartner } from '../support/api.ts';
import { openCaseStream, streamEvent } from '../support/case-stream.ts';
import { captureLogs, resource, waitFor } from '../support/harness.ts';
import { emailsAbout, inbox, toAndSubject } from '../support/inbox.ts';
import {
  deleteMessages,
  drainPaymentsQueue,
  exportPayments,
  getPayment,
  givenReintegratingCase,
  invokePaymentsLambda,
  itemsOfCase,
  listPayments,
  moveCase,
  notifierRecords,
  paymentStep,
  paymentsQueueUrl,
  receive,
  releaseMessages,
  requestPayment,
  sqs,
  sqsRecordOf,
  submitReferral,
  transferInstructions,
  writeApprovedPlan,
} from '../support/payments.ts';
import { expectProblem } from '../support/problem.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { PaymentRepository } = await import('../../functions/adapters/payment-repository.ts');
const { decideReview, decideTransferInstructions, newPayment } = await import('../../functions/domain/payments.ts');
const { handler: mailer } = await import('../../functions/mailer.ts');
const payments = new PaymentRepository(documentClient, process.env.CASES_TABLE_NAME!);
/** Every message the notifications queue carried in this file, for the personal-data check at the end. */
const queuedBodies: string[] = [];

type Partner = Awaited<ReturnType<typeof registerPartner>>;
let referrer: Partner;
let receiver: Partner;
let otherReceiver: Partner;
let coordinator: Partner;
let finance: Partner;
let otherFinance: Partner;
/** A receiving partner that also holds the finance role: the four-eyes rule must still stop it. */
let receiverWithFinance: Partner;

const today = () => new Date().toISOString().slice(0, 10);
const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const budgetOf = async (caseId: string, category: string) =>
  (await itemsOfCase(caseId, `BUDGET#${category}`))[0] as
    | { limit: number; reserved: number; disbursed: number; available: number; planVersion: number }
    | undefined;

const ledgerOf = async (caseId: string) => itemsOfCase(caseId, 'LEDGER#');

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Requests a payment as the receiver and lets the payments Lambda process the queue. */
const requestAndProcess = async (caseId: string, body = paymentRequest(), partner: Partner = receiver) => {
  const response = await requestPayment(partner, caseId, body);
  expect(response.status).toBe(202);
  expect(await drainPaymentsQueue()).toEqual([]);
  return (await getPayment(coordinator, response.body.id)).body;
};

beforeAll(async () => {
  [referrer, receiver, otherReceiver, coordinator, finance, receiverWithFinance, otherFinance] = await Promise.all([
    registerPartner(['referrer'], 'FR'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['coordinator'], 'FR'),
    registerPartner(['finance'], 'FR'),
    registerPartner(['receiver', 'finance'], 'AL'),
    registerPartner(['finance'], 'FR'),
  ]);
});

/** A payment reserved and approved by the coordinator, ready for finance to transfer. */
const approvedPayment = async (requester: Partner = receiver) => {
  const caseId = await givenReintegratingCase({ referrer, receiver: requester });
  const payment = await requestAndProcess(caseId, paymentRequest(), requester);
  expect((await paymentStep(coordinator, 'approve', payment.id, { note: 'Within the plan.' })).status).toBe(200);
  return payment;
};

const disclosuresOf = async (paymentId: string) => (await getPayment(coordinator, paymentId)).body.payeeDisclosures;

const personalValues = [paymentRequestExample.payee.name, paymentRequestExample.payee.iban!];

// Each test starts from an empty payments queue, so what it receives is its own.
beforeEach(async () => {
  await drainPaymentsQueue();
});

describe('POST /v1/referrals/{id}/payments', () => {
  it('answers 202 with the payment id, stores the payee inside the case record and queues ids and amounts only', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const response = await requestPayment(receiver, caseId, paymentRequestExample);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'requested' });
    expect(response.headers.location).toBe(`/v1/payments/${response.body.id}`);

    const [message] = await receive(paymentsQueueUrl());
    expect(message).toBeDefined();
    expect(JSON.parse(message!.Body!)).toEqual({ paymentId: response.body.id, caseId, amount: 12_500, currency: 'EUR' });
    expect(message!.Attributes).toMatchObject({ MessageGroupId: caseId, MessageDeduplicationId: response.body.id });
    await releaseMessages(paymentsQueueUrl(), [message!]);

    const stored = await getPayment(receiver, response.body.id);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      id: response.body.id,
      caseId,
      status: 'requested',
      category: 'medical',
      amount: 12_500,
      currency: 'EUR',
      payee: paymentRequestExample.payee,
      purpose: paymentRequestExample.purpose,
      requestedBy: receiver.partnerId,
      steps: [{ status: 'requested', by: receiver.partnerId, at: expect.any(String) }],
      attempts: { reserve: { count: 0 } },
    });
  });

  it('the same Idempotency-Key twice is one payment and one message; with another body it is 422', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const key = randomUUID();
    const first = await requestPayment(receiver, caseId, paymentRequest(), key);
    const second = await requestPayment(receiver, caseId, paymentRequest(), key);
    expect(second.raw).toBe(first.raw);
    expectProblem(await requestPayment(receiver, caseId, paymentRequest({ amount: 99 }), key), 422, 'idempotency-key-reused');

    const messages = await receive(paymentsQueueUrl());
    expect(messages.map((message) => JSON.parse(message.Body!).paymentId)).toEqual([first.body.id]);
    await releaseMessages(paymentsQueueUrl(), messages);
    expect(await itemsOfCase(caseId, 'PAYMENT#')).toHaveLength(1);
  });

  it('a retry after the idempotency record is gone finds the same payment instead of making a second', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const key = randomUUID();
    const first = await requestPayment(receiver, caseId, paymentRequest(), key);
    // What a Powertools record that expired (24 h), or that was deleted after a failed first attempt, leaves behind.
    const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME! }));
    const records = Items.filter((item) => JSON.stringify(item).includes(first.body.id));
    expect(records).toHaveLength(1);
    await documentClient.send(new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME!, Key: { id: records[0]!.id } }));
    const retried = await requestPayment(receiver, caseId, paymentRequest(), key);
    expect(retried.status).toBe(202);
    expect(retried.body.id).toBe(first.body.id);
    expect(await itemsOfCase(caseId, 'PAYMENT#')).toHaveLength(1);
    expect(await drainPaymentsQueue()).toEqual([]);
    expect(await ledgerOf(caseId)).toHaveLength(1);
  });

  it('two partners using the same Idempotency-Key make two payments', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const otherCase = await givenReintegratingCase({ referrer, receiver: otherReceiver });
    const key = randomUUID();
    const mine = await requestPayment(receiver, caseId, paymentRequest(), key);
    const theirs = await requestPayment(otherReceiver, otherCase, paymentRequest(), key);
    expect(theirs.status).toBe(202);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it("another receiver's case is 404; the referrer may not request payments (403)", async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    expectProblem(await requestPayment(otherReceiver, caseId, paymentRequest()), 404);
    expectProblem(await requestPayment(referrer, caseId, paymentRequest()), 403);
    expect(await itemsOfCase(caseId, 'PAYMENT#')).toEqual([]);
  });

  it.each([
    ['an amount that is not whole minor units', { amount: 12.5 }, 'amount'],
    ['a zero amount', { amount: 0 }, 'amount'],
    ['a currency that is not ISO 4217', { currency: 'euro' }, 'currency'],
    [
      'an IBAN with a wrong check number',
      { payee: { kind: 'provider', name: 'Klinika', iban: 'AL48212110090000000235698741' } },
      'payee.iban',
    ],
    ['an unknown payee kind', { payee: { kind: 'landlord', name: 'X' } }, 'payee.kind'],
    ['an unknown field', { status: 'approved' }, 'status'],
  ])('%s is 400 naming the field, without echoing it, and nothing is stored', async (_label, changes, path) => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const response = await requestPayment(receiver, caseId, { ...paymentRequest(), ...changes });
    expectProblem(response, 400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(response.raw).not.toContain('AL48212110090000000235698741');
    expect(await itemsOfCase(caseId, 'PAYMENT#')).toEqual([]);
  });

  it('a missing Idempotency-Key is 400', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const response = await api.call('POST /v1/referrals/{id}/payments', {
      key: receiver.key,
      id: caseId,
      body: paymentRequest(),
      headers: { 'Idempotency-Key': undefined },
    });
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ path: 'headers.Idempotency-Key', message: 'is required' }]);
  });
});

describe('the payments Lambda', () => {
  it('reserves within the budget in one transaction: payment, budget counters and ledger entry', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId, paymentRequest({ amount: 20_000 }));
    expect(payment).toMatchObject({ status: 'reserved', planVersion: 1, attempts: { reserve: { count: 1 } } });
    expect(payment.steps.map((step: { status: string; by: string }) => [step.status, step.by])).toEqual([
      ['requested', receiver.partnerId],
      ['reserved', 'system'],
    ]);
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ limit: 50_000, reserved: 20_000, disbursed: 0, available: 30_000 });
    expect(await ledgerOf(caseId)).toEqual([
      expect.objectContaining({
        paymentId: payment.id,
        movement: 'reserved',
        amount: 20_000,
        reservedDelta: 20_000,
        disbursedDelta: 0,
        by: 'system',
      }),
    ]);
  });

  it('a redelivered message changes nothing: one reservation, one ledger entry, one attempt', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const requested = await requestPayment(receiver, caseId, paymentRequest({ amount: 10_000 }));
    const [message] = await receive(paymentsQueueUrl());
    const record = sqsRecordOf(message!);
    expect(await invokePaymentsLambda([record])).toEqual([]);
    expect(await invokePaymentsLambda([record])).toEqual([]);
    await deleteMessages(paymentsQueueUrl(), [message!]);

    const stored = (await getPayment(coordinator, requested.body.id)).body;
    expect(stored.status).toBe('reserved');
    expect(stored.attempts.reserve.count).toBe(1);
    expect(await ledgerOf(caseId)).toHaveLength(1);
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ reserved: 10_000, available: 40_000 });
  });

  it.each([
    [
      'OVER_BUDGET',
      'an amount above what the category has left',
      async () => givenReintegratingCase({ referrer, receiver }),
      { amount: 50_001 },
    ],
    [
      'CATEGORY_NOT_IN_PLAN',
      'a category the plan does not fund',
      async () => givenReintegratingCase({ referrer, receiver }),
      { category: 'childcare' },
    ],
    [
      'CURRENCY_MISMATCH',
      'a currency other than the plan’s',
      async () => givenReintegratingCase({ referrer, receiver }),
      { currency: 'ALL' },
    ],
    [
      'PLAN_NOT_APPROVED',
      'a case without an approved plan',
      async () => {
        const caseId = await submitReferral(referrer);
        await moveCase(caseId, { status: 'arrived', receiverId: receiver.partnerId });
        return caseId;
      },
      {},
    ],
    [
      'CASE_CLOSED',
      'a closed case',
      async () => {
        const caseId = await givenReintegratingCase({ referrer, receiver });
        await moveCase(caseId, { status: 'closed' });
        return caseId;
      },
      {},
    ],
  ] as const)('rejects with %s for %s, reserving nothing', async (code, _label, givenCase, changes) => {
    const caseId = await givenCase();
    const payment = await requestAndProcess(caseId, paymentRequest(changes));
    expect(payment).toMatchObject({ status: 'rejected', reasonCode: code });
    expect(payment.steps.at(-1)).toMatchObject({ status: 'rejected', by: 'system', reasonCode: code });
    expect(await ledgerOf(caseId)).toEqual([]);
    const budget = await budgetOf(caseId, 'medical');
    expect(budget?.reserved ?? 0).toBe(0);
  });

  it('100 requests sent at once, together over the budget, each delivered twice: the budget is used exactly or under, never over; each request is reserved once or rejected once with OVER_BUDGET', async () => {
    const limit = 100_000;
    const caseId = await givenReintegratingCase(
      { referrer, receiver },
      { currency: 'EUR', items: [{ category: 'medical', amount: limit }] }
    );
    const amounts = Array.from({ length: 100 }, (_, index) => 1_500 + index * 37);
    expect(sum(amounts)).toBeGreaterThan(2 * limit);

    const responses = await Promise.all(amounts.map((amount) => requestPayment(receiver, caseId, paymentRequest({ amount }))));
    expect(responses.map((response) => response.status)).toEqual(amounts.map(() => 202));
    const paymentIds = new Set(responses.map((response) => response.body.id as string));
    expect(paymentIds.size).toBe(100);

    // The real messages, in the queue's order; a FIFO group hands out the next ones only once these are gone.
    const messages: Message[] = [];
    await waitFor(
      async () => {
        const batch = await receive(paymentsQueueUrl());
        messages.push(...batch);
        await deleteMessages(paymentsQueueUrl(), batch);
        return messages.length >= 100;
      },
      { timeoutMs: 60_000, intervalMs: 10, description: 'the 100 payment messages' }
    );
    expect(messages.map((message) => JSON.parse(message.Body!).paymentId).sort()).toEqual([...paymentIds].sort());

    // Each message delivered twice, once in a batch of ten in queue order and once on its own, all 110
    // deliveries at once: far more concurrency than a FIFO group ever gets, so only the conditional
    // transactions stand between the requests and the budget.
    const records = messages.map((message) => sqsRecordOf(message));
    const batches = Array.from({ length: 10 }, (_, index) => records.slice(index * 10, index * 10 + 10));
    const deliveries = [...batches, ...records.map((record) => [record])];
    let failed = (await Promise.all(deliveries.map((batch) => invokePaymentsLambda(batch)))).flat();
    // What failed comes back, as the event source mapping would redeliver it.
    for (let round = 0; failed.length > 0 && round < 10; round += 1) {
      const again = records.filter((record) => failed.includes(record.messageId));
      failed = (await Promise.all([again, again].map((batch) => invokePaymentsLambda(batch)))).flat();
    }
    expect(failed).toEqual([]);

    const stored = (await itemsOfCase(caseId, 'PAYMENT#')).map(
      (item) => item as { paymentId: string; status: string; reasonCode?: string; amount: number; steps: { status: string }[] }
    );
    expect(stored).toHaveLength(100);
    const reserved = stored.filter((payment) => payment.status === 'reserved');
    const rejected = stored.filter((payment) => payment.status === 'rejected');
    expect(reserved.length + rejected.length).toBe(100);
    expect(reserved.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected.every((payment) => payment.reasonCode === 'OVER_BUDGET')).toBe(true);
    for (const payment of stored) {
      expect(payment.steps.filter((step) => step.status === 'reserved' || step.status === 'rejected')).toHaveLength(1);
    }

    const budget = (await budgetOf(caseId, 'medical'))!;
    expect(budget.reserved).toBe(sum(reserved.map((payment) => payment.amount)));
    expect(budget.reserved).toBeLessThanOrEqual(limit);
    expect(budget.available).toBe(limit - budget.reserved);
    // Every refusal was right: nothing was released meanwhile, so what is left now is at most what was left then.
    for (const payment of rejected) expect(payment.amount).toBeGreaterThan(budget.available);

    const ledger = await ledgerOf(caseId);
    expect(ledger).toHaveLength(reserved.length);
    expect(new Set(ledger.map((entry) => entry.paymentId))).toEqual(new Set(reserved.map((payment) => payment.paymentId)));
    expect(sum(ledger.map((entry) => entry.reservedDelta))).toBe(budget.reserved);
  }, 180_000);

  /** A stored payment whose case does not exist: processing it fails every time. */
  const orphanPayment = async () => {
    const orphan = newPayment(
      paymentRequest({ amount: 2_000 }),
      {
        paymentId: randomUUID(),
        case: { caseId: randomUUID(), reference: 'TACT-FR-999999', programmeId: 'TACT' },
        requestedBy: receiver.partnerId,
      },
      new Date()
    );
    await payments.create(orphan);
    return orphan;
  };

  /** Queues a payment in another case's message group, as if it had been requested there. */
  const enqueueInGroup = (payment: { paymentId: string; caseId: string; amount: number }, group: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: paymentsQueueUrl(),
        MessageBody: JSON.stringify({ paymentId: payment.paymentId, caseId: payment.caseId, amount: payment.amount, currency: 'EUR' }),
        MessageGroupId: group,
        MessageDeduplicationId: payment.paymentId,
      })
    );

  const paymentIdOf = (message: Message) => JSON.parse(message.Body!).paymentId as string;

  it("keeps a case's requests in order: after a failure, the case's later messages in the batch fail too, other cases' go on", async () => {
    const caseA = await givenReintegratingCase({ referrer, receiver });
    const caseB = await givenReintegratingCase({ referrer, receiver });
    const a1 = await requestPayment(receiver, caseA, paymentRequest({ amount: 1_000 }));
    const orphan = await orphanPayment();
    await enqueueInGroup(orphan, caseA);
    const a2 = await requestPayment(receiver, caseA, paymentRequest({ amount: 3_000 }));
    const b1 = await requestPayment(receiver, caseB, paymentRequest({ amount: 4_000 }));

    // The real messages (fauxqs hands out one message per group per receive, so they are gathered
    // first), in a batch the way Lambda may deliver it: each group in order, the groups interleaved.
    const received: Message[] = [];
    await waitFor(
      async () => {
        const batch = await receive(paymentsQueueUrl());
        received.push(...batch);
        await deleteMessages(paymentsQueueUrl(), batch);
        return received.length >= 4;
      },
      { timeoutMs: 5_000, intervalMs: 10, description: 'the four messages' }
    );
    const byPayment = new Map(received.map((message) => [paymentIdOf(message), message]));
    const batch = [a1.body.id, orphan.paymentId, b1.body.id, a2.body.id].map((id) => sqsRecordOf(byPayment.get(id)!));

    const failures = await invokePaymentsLambda(batch);
    expect(failures).toEqual([batch[1]!.messageId, batch[3]!.messageId]);
    expect((await getPayment(coordinator, a1.body.id)).body.status).toBe('reserved');
    expect((await getPayment(coordinator, a2.body.id)).body.status).toBe('requested');
    expect((await getPayment(coordinator, b1.body.id)).body.status).toBe('reserved');
    const orphanStored = (await payments.getInCase(orphan.caseId, orphan.paymentId))!;
    expect(orphanStored.attempts.reserve).toMatchObject({ count: 1, lastError: 'CaseNotFound', lastAttemptAt: expect.any(String) });
  });

  it("a message that keeps failing ends in the dead-letter queue after five receives; its case's later requests wait for it, other cases' do not", async () => {
    const caseA = await givenReintegratingCase({ referrer, receiver });
    const caseB = await givenReintegratingCase({ referrer, receiver });
    const orphan = await orphanPayment();
    await enqueueInGroup(orphan, caseA);
    const a2 = await requestPayment(receiver, caseA, paymentRequest({ amount: 3_000 }));
    const b1 = await requestPayment(receiver, caseB, paymentRequest({ amount: 4_000 }));

    const failed = await drainPaymentsQueue();
    expect(failed.length).toBe(5);
    const deadLetters = await receive(resource('PaymentsDeadLetter').ref);
    expect(deadLetters.map(paymentIdOf)).toEqual([orphan.paymentId]);
    await deleteMessages(resource('PaymentsDeadLetter').ref, deadLetters);

    const orphanStored = (await payments.getInCase(orphan.caseId, orphan.paymentId))!;
    expect(orphanStored.status).toBe('requested');
    expect(orphanStored.attempts.reserve).toMatchObject({ count: 5, lastError: 'CaseNotFound' });
    const later = (await getPayment(coordinator, a2.body.id)).body;
    expect(later.status).toBe('reserved');
    // Case A's next request was reserved only after the poison message was given up on.
    expect(later.steps.at(-1).at > orphanStored.attempts.reserve.lastAttemptAt!).toBe(true);
    const other = (await getPayment(coordinator, b1.body.id)).body;
    expect(other.status).toBe('reserved');
    expect(other.steps.at(-1).at < orphanStored.attempts.reserve.lastAttemptAt!).toBe(true);
  });

  it('a newer approved plan re-bases the budget and keeps what is already committed', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    await requestAndProcess(caseId, paymentRequest({ amount: 30_000 }));
    const v2 = await writeApprovedPlan(
      caseId,
      { version: 2, currency: 'EUR', items: [{ category: 'medical', amount: 40_000 }] },
      coordinator.partnerId
    );
    await moveCase(caseId, { approvedPlanVersion: v2.version });

    expect(await requestAndProcess(caseId, paymentRequest({ amount: 10_001 }))).toMatchObject({
      status: 'rejected',
      reasonCode: 'OVER_BUDGET',
    });
    expect(await requestAndProcess(caseId, paymentRequest({ amount: 10_000 }))).toMatchObject({ status: 'reserved', planVersion: 2 });
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ planVersion: 2, limit: 40_000, reserved: 40_000, available: 0 });
    expect(await requestAndProcess(caseId, paymentRequest({ category: 'housing' }))).toMatchObject({
      status: 'rejected',
      reasonCode: 'CATEGORY_NOT_IN_PLAN',
    });
  });
});

describe('four eyes', () => {
  it('the requester approving its own payment is 403, even holding the finance role', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver: receiverWithFinance });
    const payment = await requestAndProcess(caseId, paymentRequest(), receiverWithFinance);
    expect(payment.status).toBe('reserved');
    expectProblem(await paymentStep(receiverWithFinance, 'approve', payment.id), 403, 'four-eyes');
    expectProblem(await paymentStep(receiverWithFinance, 'reject', payment.id, { reason: 'other' }), 403, 'four-eyes');
    expect((await getPayment(coordinator, payment.id)).body.status).toBe('reserved');
    // Someone else may.
    const approved = await paymentStep(finance, 'approve', payment.id, { note: 'Invoice checked.' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expectProblem(await paymentStep(receiverWithFinance, 'disbursed', payment.id, disbursementExample(today())), 403, 'four-eyes');
  });

  it('a receiver cannot approve (403 by role)', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    expectProblem(await paymentStep(receiver, 'approve', payment.id), 403, 'forbidden');
  });

  it('disbursing a payment that is not approved is 409 and changes nothing', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    const response = await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()));
    expectProblem(response, 409, 'illegal-transition');
    expect(response.body.currentStatus).toBe('reserved');
    expect((await getPayment(coordinator, payment.id)).body.status).toBe('reserved');
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ reserved: 12_500, disbursed: 0 });
  });

  it('approving before the reservation is 409', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const requested = await requestPayment(receiver, caseId, paymentRequest());
    const response = await paymentStep(coordinator, 'approve', requested.body.id);
    expectProblem(response, 409);
    expect(response.body.currentStatus).toBe('requested');
  });

  it('request → reserved → approved → disbursed, each step with who and when; the budget moves from reserved to disbursed', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    expect((await paymentStep(coordinator, 'approve', payment.id, { note: 'Within the plan.' })).status).toBe(200);
    const disbursed = await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()));
    expect(disbursed.status).toBe(200);
    expect(disbursed.body).toMatchObject({ status: 'disbursed', transferReference: 'SEPA-2026-11-000412', disbursedOn: today() });
    expect(disbursed.body.steps.map((step: { status: string; by: string }) => [step.status, step.by])).toEqual([
      ['requested', receiver.partnerId],
      ['reserved', 'system'],
      ['approved', coordinator.partnerId],
      ['disbursed', finance.partnerId],
    ]);
    // Finance sees no payee, purpose or note.
    expect(disbursed.body.payee).toBeUndefined();
    expect(disbursed.body.purpose).toBeUndefined();
    expect(disbursed.raw).not.toContain('Within the plan.');
    expect(disbursed.raw).not.toContain(paymentRequestExample.payee.name);

    expect(await budgetOf(caseId, 'medical')).toMatchObject({ limit: 50_000, reserved: 0, disbursed: 12_500, available: 37_500 });
    expect((await ledgerOf(caseId)).map((entry) => [entry.movement, entry.reservedDelta, entry.disbursedDelta])).toEqual([
      ['reserved', 12_500, 0],
      ['disbursed', -12_500, 12_500],
    ]);

    // Confirming again with the same transfer is the same confirmation; with another it is a conflict.
    expect((await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()))).status).toBe(200);
    expectProblem(await paymentStep(finance, 'disbursed', payment.id, { transferReference: 'OTHER-1', disbursedOn: today() }), 409);
    expect(await ledgerOf(caseId)).toHaveLength(2);
    // Nothing can be taken back once paid.
    expectProblem(await paymentStep(coordinator, 'reject', payment.id, { reason: 'other' }), 409);
    expectProblem(await paymentStep(receiver, 'cancel', payment.id), 409);
  });

  it('a disbursement dated in the future is 400', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    await paymentStep(coordinator, 'approve', payment.id);
    const response = await paymentStep(finance, 'disbursed', payment.id, disbursementExample(dayOffset(2)));
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ path: 'disbursedOn', message: 'must not be in the future' }]);
  });

  it('rejecting releases the reserved amount with a ledger entry; the requester is told the reason code', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId, paymentRequest({ amount: 45_000 }));
    const rejected = await paymentStep(coordinator, 'reject', payment.id, { reason: 'missing_documents', note: 'Send the invoice.' });
    expect(rejected.body).toMatchObject({ status: 'rejected', reasonCode: 'REJECTED_ON_REVIEW', reviewReason: 'missing_documents' });
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ reserved: 0, available: 50_000 });
    expect((await ledgerOf(caseId)).map((entry) => entry.movement)).toEqual(['reserved', 'released']);
    // The money is available again.
    expect(await requestAndProcess(caseId, paymentRequest({ amount: 50_000 }))).toMatchObject({ status: 'reserved' });
    // Rejecting again changes nothing.
    expect((await paymentStep(finance, 'reject', payment.id, { reason: 'other' })).status).toBe(200);
    expect((await ledgerOf(caseId)).filter((entry) => entry.movement === 'released')).toHaveLength(1);
  });

  it('the requester may cancel its request, releasing the reservation; another receiver may not see it', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    expectProblem(await paymentStep(otherReceiver, 'cancel', payment.id), 404);
    const cancelled = await paymentStep(receiver, 'cancel', payment.id, { note: 'Paid by another programme.' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(await budgetOf(caseId, 'medical')).toMatchObject({ reserved: 0, available: 50_000 });
    expectProblem(await paymentStep(coordinator, 'approve', payment.id), 409);
  });

  it('concurrent approvals and a rejection of one payment make one decision and at most one release', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    const responses = await Promise.all([
      paymentStep(coordinator, 'approve', payment.id),
      paymentStep(finance, 'approve', payment.id),
      paymentStep(finance, 'reject', payment.id, { reason: 'duplicate' }),
      paymentStep(coordinator, 'reject', payment.id, { reason: 'duplicate' }),
    ]);
    for (const response of responses) expect([200, 409]).toContain(response.status);
    const final = (await getPayment(coordinator, payment.id)).body;
    expect(
      final.steps.filter((step: { status: string }) => step.status === 'approved' || step.status === 'rejected').length
    ).toBeGreaterThanOrEqual(1);
    const budget = (await budgetOf(caseId, 'medical'))!;
    const ledger = await ledgerOf(caseId);
    expect(ledger.filter((entry) => entry.movement === 'released').length).toBe(final.status === 'rejected' ? 1 : 0);
    expect(budget.reserved).toBe(sum(ledger.map((entry) => entry.reservedDelta)));
  });
});

describe('a closed case', () => {
  /** The coordinator closing or reopening the case through its route. */
  const coordinatorStep = (step: 'close' | 'reopen', caseId: string, body: unknown) =>
    api.call(`POST /v1/referrals/{id}/${step}`, { key: coordinator.key, id: caseId, body });
  const closeCase = (caseId: string) => coordinatorStep('close', caseId, { exitReason: 'lost_contact' });
  const reopenCase = (caseId: string) => coordinatorStep('reopen', caseId, {});

  it('pays nothing: approving, disbursing and the transfer instructions are 409 until a coordinator reopens it; rejecting still releases', async () => {
    const approved = await approvedPayment();
    const caseId = approved.caseId as string;
    const reserved = await requestAndProcess(caseId, paymentRequest({ amount: 1_000 }));
    const toReject = await requestAndProcess(caseId, paymentRequest({ amount: 2_000 }));
    expect((await closeCase(caseId)).status).toBe(200);

    for (const response of [
      await paymentStep(coordinator, 'approve', reserved.id),
      await paymentStep(finance, 'disbursed', approved.id, disbursementExample(today())),
      await transferInstructions(finance, approved.id),
    ]) {
      expectProblem(response, 409, 'illegal-transition');
      expect(response.body.currentStatus).toBe('closed');
    }
    const stillApproved = (await getPayment(coordinator, approved.id)).body;
    expect(stillApproved.status).toBe('approved');
    expect(stillApproved.payeeDisclosures ?? []).toEqual([]);
    expect((await getPayment(coordinator, reserved.id)).body.status).toBe('reserved');
    expect((await paymentStep(coordinator, 'reject', toReject.id, { reason: 'other' })).body.status).toBe('rejected');

    expect((await reopenCase(caseId)).status).toBe(200);
    expect((await paymentStep(finance, 'disbursed', approved.id, disbursementExample(today()))).body.status).toBe('disbursed');
  });

  it('a closure committed after the payment was read stops the approval (the write checks the case)', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const reserved = await requestAndProcess(caseId);
    const stored = await payments.get(reserved.id);
    expect((await closeCase(caseId)).status).toBe(200);
    const decision = decideReview(
      stored!,
      { partnerId: coordinator.partnerId, rolesOnCase: ['coordinator'] },
      { action: 'approve' },
      new Date(),
      'reintegrating'
    );
    expect(decision.kind).toBe('apply');
    expect(await payments.applyReview(stored!, (decision as Extract<typeof decision, { kind: 'apply' }>).change)).toBe('conflict');
    expect((await getPayment(coordinator, reserved.id)).body.status).toBe('reserved');
  });
});

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
    const { Items = [] } = await documentClient.send(
      new ScanCommand({
        TableName: process.env.CASES_TABLE_NAME!,
        FilterExpression: 'begins_with(sk, :ledger) AND #at BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':ledger': 'LEDGER#', ':from': from, ':to': `${to}~` },
      })
    );
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
        exported.body.controlTotals.map((total: any) => [
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

describe('notifications', () => {
  const notifications = queuePoller('NotificationsQueue');
  const financeAddress = process.env.FINANCE_ADDRESS!;
  const paymentLink = (caseId: string, paymentId: string) => `${process.env.CASE_BASE_URL}/${caseId}/payments/${paymentId}`;

  /** Every queue message handed to the mailer twice, as an at-least-once queue may. */
  const mailEverything = async () => {
    const drained = await notifications.drain(mailer, { deliveries: 2 });
    queuedBodies.push(...drained.received.map((message) => message.Body!));
    // A message failed once (its copy was being sent at that moment) is received again: one entry per SQS message.
    const unique = new Map(drained.received.map((message) => [message.MessageId!, message.Body!]));
    return [...unique.values()].map((body) => JSON.parse(body) as Record<string, any>);
  };

  it('finance is emailed what to act on and the requester each outcome, once each, with the stream records and queue messages delivered twice', async () => {
    const stream = await openCaseStream();
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const paid = await requestAndProcess(caseId);
    expect((await paymentStep(coordinator, 'approve', paid.id)).status).toBe(200);
    expect((await paymentStep(finance, 'disbursed', paid.id, disbursementExample(today()))).status).toBe(200);
    const reviewed = await requestAndProcess(caseId, paymentRequest({ amount: 3_000 }));
    expect((await paymentStep(coordinator, 'reject', reviewed.id, { reason: 'missing_documents', note: 'Send the invoice.' })).status).toBe(
      200
    );
    const refused = await requestAndProcess(caseId, paymentRequest({ amount: 90_000 }));
    expect(refused.status).toBe('rejected');

    const records = notifierRecords(await stream.next());
    stream.close();
    const { handler: notifier } = await import('../../functions/payment-events.ts');
    for (const _delivery of [1, 2]) {
      expect(await notifier(streamEvent(records), lambdaContext('PaymentNotifier'))).toEqual({ batchItemFailures: [] });
    }
    const queued = (await mailEverything()).filter((message) => message.caseId === caseId);
    for (const message of queued) notificationMessageSchema.parse(message);
    // The duplicates really happened: each notification was queued twice, once per stream delivery.
    const copies = Map.groupBy(queued, (message) => message.notificationId as string);
    expect(copies.size).toBe(7);
    expect([...copies.values()].every((copiesOfOne) => copiesOfOne.length === 2)).toBe(true);

    const reference = paid.caseReference as string;
    const toReceiver = receiver.emails[0]!;
    const emails = await waitFor(
      async () => {
        const found = await emailsAbout(caseId);
        return found.length >= 7 && found;
      },
      { description: 'the 7 payment emails of the case' }
    );
    expect(toAndSubject(emails)).toEqual(
      [
        `${financeAddress} | Case ${reference}: payment of €125.00 awaiting approval`,
        `${financeAddress} | Case ${reference}: payment of €125.00 to disburse`,
        `${toReceiver} | Case ${reference}: payment of €125.00 approved`,
        `${toReceiver} | Case ${reference}: payment of €125.00 disbursed`,
        `${financeAddress} | Case ${reference}: payment of €30.00 awaiting approval`,
        `${toReceiver} | Case ${reference}: payment of €30.00 rejected`,
        `${toReceiver} | Case ${reference}: payment of €900.00 rejected`,
      ].sort()
    );
    const bySubject = (subject: string) => emails.find((email) => email.subject === `Case ${reference}: ${subject}`)!;
    expect(bySubject('payment of €125.00 awaiting approval').body.text).toContain('approve or reject it');
    expect(bySubject('payment of €125.00 awaiting approval').body.text).toContain(paymentLink(caseId, paid.id));
    expect(bySubject('payment of €125.00 to disburse').body.text).toContain('confirm the disbursement with the transfer reference');
    expect(bySubject('payment of €30.00 rejected').body.text).toContain('rejected: supporting documents are missing (missing_documents).');
    expect(bySubject('payment of €900.00 rejected').body.text).toContain(
      'rejected: the amount is more than what remains of the category budget (OVER_BUDGET).'
    );
    expect(bySubject('payment of €900.00 rejected').body.html).toContain(`<a href="${paymentLink(caseId, refused.id)}">`);

    // A later redelivery of the same records (a retried batch) queues the same ids, and the mailer sends nothing more.
    await notifier(streamEvent(records), lambdaContext('PaymentNotifier'));
    const again = (await mailEverything()).filter((message) => message.caseId === caseId);
    expect(new Set(again.map((message) => message.notificationId))).toEqual(new Set(copies.keys()));
    expect(await emailsAbout(caseId)).toHaveLength(7);
  });

  it('a disclosure changes no status, so the notifier makes no message of it', async () => {
    const stream = await openCaseStream();
    const payment = await approvedPayment();
    expect((await transferInstructions(finance, payment.id)).status).toBe(200);
    expect((await transferInstructions(otherFinance, payment.id)).status).toBe(200);

    // The reservation, the approval and both disclosures pass the notifier's filter.
    const records = notifierRecords(await stream.next()).filter((record) => record.dynamodb?.Keys?.sk?.S === `PAYMENT#${payment.id}`);
    stream.close();
    expect(records).toHaveLength(4);
    const { handler: notifier } = await import('../../functions/payment-events.ts');
    expect(await notifier(streamEvent(records), lambdaContext('PaymentNotifier'))).toEqual({ batchItemFailures: [] });

    const messages = (await mailEverything()).filter((message) => message.paymentId === payment.id);
    expect(messages.map((message) => message.event).sort()).toEqual([
      'payment_approved',
      'payment_awaiting_approval',
      'payment_awaiting_disbursement',
    ]);
    for (const value of personalValues) expect(JSON.stringify(messages)).not.toContain(value);
  });

  it('the daily digest of open payments is emailed to finance once per day, oldest first, without personal data', async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const open = await requestAndProcess(caseId);
    const { handler: digest } = await import('../../functions/payments-digest.ts');
    const day = `2031-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`;
    const scheduled = { time: `${day}T06:00:00Z`, 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    const outcomes = await Promise.all([
      digest(scheduled as never, lambdaContext('Digest')),
      digest(scheduled as never, lambdaContext('Digest')),
    ]);
    expect(outcomes.map((outcome) => outcome.outcome).sort()).toEqual(['already-sent', 'sent']);
    expect((await digest(scheduled as never, lambdaContext('Digest'))).outcome).toBe('already-sent');

    const queued = (await mailEverything()).filter((message) => message.kind === 'payment_digest' && message.day === day);
    expect(queued).toHaveLength(1);
    const message = notificationMessageSchema.parse(queued[0]);
    if (message.kind !== 'payment_digest') throw new Error('not a digest');
    expect(message.open).toContainEqual(
      expect.objectContaining({ id: open.id, caseId, status: 'reserved', amount: 12_500, caseReference: open.caseReference })
    );
    const requestedTimes = message.open.map((entry) => entry.requestedAt);
    expect(requestedTimes).toEqual([...requestedTimes].sort());
    expect(message.totalOpen).toBeGreaterThanOrEqual(message.open.length);

    const longDay = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
    const subject = `Open payments on ${longDay}: ${message.totalOpen}`;
    const [email] = await waitFor(
      async () => {
        const found = (await inbox()).filter((candidate) => candidate.subject === subject);
        return found.length > 0 && found;
      },
      { description: `the digest of ${day}` }
    );
    expect(email!.destination.to).toEqual([financeAddress]);
    expect(email!.body.text).toContain(`- ${open.caseReference}: €125.00 for medical care, awaiting approval, requested on `);
    expect(email!.body.text).toContain(paymentLink(caseId, open.id));
    expect(email!.body.text?.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(message.open.length);
    // One email for the day, however many times the digest ran and its message was delivered.
    expect((await inbox()).filter((candidate) => candidate.subject.startsWith(`Open payments on ${longDay}:`))).toHaveLength(1);
  });

  afterAll(() => notifications.close());
});

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The checks below can fail: the payments carried these values, and emails and messages went out.
  const emails = (await inbox()).filter((email) => email.body.text?.includes('/payments/'));
  expect(emails.length).toBeGreaterThanOrEqual(8);
  expect(queuedBodies.length).toBeGreaterThanOrEqual(16);
  expect(text).toContain('notification sent');
  const sent = [...emails.map((email) => [email.subject, email.body.text, email.body.html].join('\n')), ...queuedBodies].join('\n');
  for (const value of [
    paymentRequestExample.payee.name,
    paymentRequestExample.payee.iban!,
    paymentRequestExample.purpose,
    'Send the invoice.',
  ]) {
    expect(sent).not.toContain(value);
  }
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  expect(text).toContain('payment refused');
  expect(text).toContain('transfer instructions disclosed');
  const sample = tactReferral();
  for (const value of [
    paymentRequestExample.payee.name,
    paymentRequestExample.payee.iban,
    paymentRequestExample.purpose,
    'Within the plan.',
    'Send the invoice.',
    sample.person.familyName,
    sample.person.givenName,
  ]) {
    expect(text).not.toContain(value);
  }
});
