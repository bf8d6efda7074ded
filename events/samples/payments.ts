import type { DisbursementRequest, PaymentRequest, TransferInstructions } from '../payment.ts';

/**
 * Sample payment bodies for tests and local invocation. The payee is invented; the IBAN is the
 * registry's published example for Albania (valid check digits, no real account).
 */
export const paymentRequestExample: PaymentRequest = {
  category: 'medical',
  amount: 12_500,
  currency: 'EUR',
  payee: { kind: 'provider', name: 'Klinika Shëndeti Shkodër', iban: 'AL47212110090000000235698741' },
  purpose: 'Dental treatment, invoice 2026/118',
};

export const paymentRequest = (changes: Partial<PaymentRequest> = {}): PaymentRequest => ({
  ...structuredClone(paymentRequestExample),
  ...changes,
});

export const disbursementExample = (disbursedOn: string): DisbursementRequest => ({
  transferReference: 'SEPA-2026-11-000412',
  disbursedOn,
});

/** What finance is given for the example payment once it is approved. */
export const transferInstructionsExample: TransferInstructions = {
  paymentId: '3b1f6c2e-8d4a-8f1e-9c3b-5a7d2e4f6a8b',
  caseReference: 'TACT-FR-000123',
  amount: paymentRequestExample.amount,
  currency: paymentRequestExample.currency,
  payee: paymentRequestExample.payee,
  remittanceInformation: 'Payment 3b1f6c2e-8d4a-8f1e-9c3b-5a7d2e4f6a8b',
};
