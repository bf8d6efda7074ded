import { beforeAll, beforeEach, expect } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { paymentRequest, paymentRequestExample } from '../../events/samples/payments.ts';
import { registerPartner } from './api.ts';
import { drainPaymentsQueue, getPayment, givenReintegratingCase, itemsOfCase, paymentStep, requestPayment } from './payments.ts';

/**
 * The partners every payments integration test file (test/integration/payment-*.test.ts) works with,
 * registered before the file's tests, and the steps they share. Importing this module registers the
 * hooks: the partners before all tests, an empty payments queue before each.
 */
export type Partner = Awaited<ReturnType<typeof registerPartner>>;
export let referrer: Partner;
export let receiver: Partner;
export let otherReceiver: Partner;
export let coordinator: Partner;
export let finance: Partner;
export let otherFinance: Partner;
/** A receiving partner that also holds the finance role: the four-eyes rule must still stop it. */
export let receiverWithFinance: Partner;

export const today = () => new Date().toISOString().slice(0, 10);
export const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export const budgetOf = async (caseId: string, category: string) =>
  (await itemsOfCase(caseId, `BUDGET#${category}`))[0] as
    | { limit: number; reserved: number; disbursed: number; available: number; planVersion: number }
    | undefined;

export const ledgerOf = async (caseId: string) => itemsOfCase(caseId, 'LEDGER#');

export const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Requests a payment as the receiver and lets the payments Lambda process the queue. */
export const requestAndProcess = async (caseId: string, body = paymentRequest(), partner: Partner = receiver) => {
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
export const approvedPayment = async (requester: Partner = receiver) => {
  const caseId = await givenReintegratingCase({ referrer, receiver: requester });
  const payment = await requestAndProcess(caseId, paymentRequest(), requester);
  expect((await paymentStep(coordinator, 'approve', payment.id, { note: 'Within the plan.' })).status).toBe(200);
  return payment;
};

export const disclosuresOf = async (paymentId: string) => (await getPayment(coordinator, paymentId)).body.payeeDisclosures;

export const personalValues = [paymentRequestExample.payee.name, paymentRequestExample.payee.iban!];

// Each test starts from an empty payments queue, so what it receives is its own.
beforeEach(async () => {
  await drainPaymentsQueue();
});

/** What no log line of a payments test file may carry: the payee, the purpose, the notes, the person. */
export const loggedPersonalValues = () => {
  const sample = tactReferral();
  return [
    paymentRequestExample.payee.name,
    paymentRequestExample.payee.iban,
    paymentRequestExample.purpose,
    'Within the plan.',
    'Send the invoice.',
    sample.person.familyName,
    sample.person.givenName,
  ];
};
