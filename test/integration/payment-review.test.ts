import { afterAll, describe, expect, it } from 'vitest';
import { disbursementExample, paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { api } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import {
  approvedPayment,
  budgetOf,
  coordinator,
  dayOffset,
  finance,
  ledgerOf,
  loggedPersonalValues,
  otherReceiver,
  receiver,
  receiverWithFinance,
  referrer,
  requestAndProcess,
  sum,
  today,
} from '../support/payment-parties.ts';
import {
  drainPaymentsQueue,
  getPayment,
  givenReintegratingCase,
  paymentStep,
  requestPayment,
  transferInstructions,
} from '../support/payments.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { PaymentRepository } = await import('../../functions/adapters/payment-repository.ts');
const { decideReview } = await import('../../functions/domain/payment-review.ts');
const payments = new PaymentRepository(documentClient, process.env.CASES_TABLE_NAME!);

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
    // Given a reserved payment
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    // When the coordinator approves it and finance records the transfer
    expect((await paymentStep(coordinator, 'approve', payment.id, { note: 'Within the plan.' })).status).toBe(200);
    const disbursed = await paymentStep(finance, 'disbursed', payment.id, disbursementExample(today()));
    // Then each step names who took it, finance sees no payee, and the budget and ledger move to disbursed
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
    // Given a reserved payment, when the coordinator rejects it
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId, paymentRequest({ amount: 45_000 }));
    const rejected = await paymentStep(coordinator, 'reject', payment.id, { reason: 'missing_documents', note: 'Send the invoice.' });
    // Then the reservation is released with a ledger entry
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
    // Given a reserved payment, which another receiver may not even find
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const payment = await requestAndProcess(caseId);
    expectProblem(await paymentStep(otherReceiver, 'cancel', payment.id), 404);
    // When its requester cancels it, then the reservation is released and it can no longer be approved
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

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  for (const value of loggedPersonalValues()) expect(text).not.toContain(value);
});
