import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { api } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { ledgerOf, loggedPersonalValues, otherReceiver, receiver, referrer } from '../support/payment-parties.ts';
import {
  drainPaymentsQueue,
  getPayment,
  givenReintegratingCase,
  itemsOfCase,
  paymentsQueueUrl,
  receive,
  releaseMessages,
  requestPayment,
} from '../support/payments.ts';
import { expectProblem } from '../support/problem.ts';
import { scanAll } from '../support/scan.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');

describe('POST /v1/referrals/{id}/payments', () => {
  it('answers 202 with the payment id, stores the payee inside the case record and queues ids and amounts only', async () => {
    // Given a case in reintegration with an approved plan
    const caseId = await givenReintegratingCase({ referrer, receiver });
    // When its receiver requests a payment
    const response = await requestPayment(receiver, caseId, paymentRequestExample);
    // Then the answer, the queued message and the stored payment say what was asked, the message without the payee
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
    // When the same request is sent twice with one key, then a different body with it
    const first = await requestPayment(receiver, caseId, paymentRequest(), key);
    const second = await requestPayment(receiver, caseId, paymentRequest(), key);
    // Then the repeat answers the same, the other body is refused, and one payment and one message exist
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
    // Given a payment requested, whose idempotency record is then gone
    const first = await requestPayment(receiver, caseId, paymentRequest(), key);
    // What a Powertools record that expired (24 h), or that was deleted after a failed first attempt, leaves behind.
    const Items = await scanAll(documentClient, { TableName: process.env.IDEMPOTENCY_TABLE_NAME! });
    const records = Items.filter((item) => JSON.stringify(item).includes(first.body.id));
    expect(records).toHaveLength(1);
    await documentClient.send(new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME!, Key: { id: records[0]!.id } }));
    // When the request is retried with the same key
    const retried = await requestPayment(receiver, caseId, paymentRequest(), key);
    // Then it finds the same payment, reserved once
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

afterAll(async () => {
  await drainPaymentsQueue();
  logs.stop();
  const text = logs.text();
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('payment reserved');
  for (const value of loggedPersonalValues()) expect(text).not.toContain(value);
});
