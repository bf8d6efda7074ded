import type { DisbursementRequest, PaymentRequest } from '../payment.ts';

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
