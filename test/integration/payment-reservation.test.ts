import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { paymentRequest } from '../../events/samples/payments.ts';
import { captureLogs, resource, waitFor } from '../support/harness.ts';
import {
  budgetOf,
  coordinator,
  ledgerOf,
  loggedPersonalValues,
  receiver,
  referrer,
  requestAndProcess,
  sum,
} from '../support/payment-parties.ts';
import {
  deleteMessages,
  drainPaymentsQueue,
  getPayment,
  givenReintegratingCase,
  invokePaymentsLambda,
  itemsOfCase,
  moveCase,
  paymentsQueueUrl,
  receive,
  requestPayment,
  sqs,
  sqsRecordOf,
  submitReferral,
  writeApprovedPlan,
} from '../support/payments.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { PaymentRepository } = await import('../../functions/adapters/payment-repository.ts');
const { newPayment } = await import('../../functions/domain/payment-request.ts');
// Writes payments as the request route does: sealed.
const payments = new PaymentRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

describe('the payments Lambda', () => {
  it('reserves within the budget in one transaction: payment, budget counters and ledger entry', async () => {
    // Given a case with an approved plan, when a payment within its budget is requested and processed
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId, paymentRequest({ amount: 20_000 }));
    // Then the payment, the budget and the ledger all show the reservation
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
    // Given a requested payment's message
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const requested = await requestPayment(receiver, caseId, paymentRequest({ amount: 10_000 }));
    const [message] = await receive(paymentsQueueUrl());
    const record = sqsRecordOf(message!);
    // When the payments Lambda gets it twice
    expect(await invokePaymentsLambda([record])).toEqual([]);
    expect(await invokePaymentsLambda([record])).toEqual([]);
    await deleteMessages(paymentsQueueUrl(), [message!]);

    // Then it was reserved once
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

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  expect(text).toContain('payment refused');
  for (const value of loggedPersonalValues()) expect(text).not.toContain(value);
});
