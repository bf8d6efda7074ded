import { describe, expect, it } from 'vitest';
import { isValidIban } from '../../events/iban.ts';
import { exportQuerySchema, paymentRequestSchema, transferInstructionsSchema } from '../../events/payment.ts';
import { paymentRequest, transferInstructionsExample } from '../../events/samples/payments.ts';

describe('contracts', () => {
  it('IBANs are checked with ISO 13616 (mod 97)', () => {
    expect(isValidIban('AL47212110090000000235698741')).toBe(true);
    expect(isValidIban('DE89370400440532013000')).toBe(true);
    expect(isValidIban('DE89370400440532013001')).toBe(false);
    expect(isValidIban('de89370400440532013000')).toBe(false);
  });

  it("the transfer instructions' example (in the OpenAPI document) fits its schema", () => {
    expect(transferInstructionsSchema.parse(transferInstructionsExample)).toEqual(transferInstructionsExample);
  });

  it('a payment request refuses a fractional amount and unknown fields', () => {
    expect(paymentRequestSchema.safeParse(paymentRequest()).success).toBe(true);
    expect(paymentRequestSchema.safeParse({ ...paymentRequest(), amount: 1.5 }).success).toBe(false);
    expect(paymentRequestSchema.safeParse({ ...paymentRequest(), status: 'approved' }).success).toBe(false);
  });

  it('an export range checks its dates only once both are dates', () => {
    const issues = (query: Record<string, string>) => exportQuerySchema.safeParse(query).error?.issues.map((issue) => issue.path.join('.'));
    expect(issues({ from: 'yesterday', to: '2026-01-01' })).toEqual(['from']);
    expect(issues({ from: '2026-02-01', to: '2026-01-01' })).toEqual(['to']);
    expect(issues({ from: '2026-01-01', to: '2027-01-02' })).toEqual(['to']);
    // 366 days, from and to included.
    expect(issues({ from: '2026-01-01', to: '2027-01-01' })).toBeUndefined();
  });
});
