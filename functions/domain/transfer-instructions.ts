import type { CaseStatus } from '#events/case';
import type { PayeeDisclosure, PaymentItem, PaymentStatus, TransferInstructions } from '#events/payment';
import type { Role } from '#events/primitives';
import { type PaymentTransition, paymentActions } from './payment-lifecycle.ts';

/** The payee's bank details for finance to make the transfer, and the record of who was shown them. */

/** How long after a partner's first view of a payee's bank details further views count in the same sitting. */
export const disclosureSittingMs = 15 * 60_000;

/**
 * How a disclosure is recorded: a new sitting appended at `index` (the length of the list read), or
 * one more view counted in the caller's sitting at `index`.
 */
export type DisclosureRecord =
  | { kind: 'open-sitting'; index: number; sitting: PayeeDisclosure }
  | { kind: 'continue-sitting'; index: number; sitting: PayeeDisclosure; at: string };

export type TransferInstructionsDecision =
  | { kind: 'disclose'; record: DisclosureRecord; instructions: TransferInstructions }
  | { kind: 'not-allowed-for-role' }
  | { kind: 'requester-may-not-transfer' }
  | { kind: 'not-allowed-in-status'; currentStatus: PaymentStatus }
  | { kind: 'case-closed' }
  /** The case's personal data was erased: there is no payee left to disclose. */
  | { kind: 'personal-data-erased' };

/** Free of the purpose, notes, case reference and programme: it reaches the payee's bank statement. */
export const remittanceInformation = (paymentId: string): string => `Payment ${paymentId}`;

/**
 * The payee's bank details go to whoever may take the disbursement step, while it can be taken:
 * finance, never the requester (four eyes), for an approved payment. Every disclosure is recorded
 * before it is answered; the caller's views within a sitting are counted in one entry.
 */
export const decideTransferInstructions = (
  payment: PaymentItem,
  actor: { partnerId: string; rolesOnCase: readonly Role[] },
  now: Date,
  caseStatus: CaseStatus
): TransferInstructionsDecision => {
  const transition: PaymentTransition = paymentActions.disburse;
  if (!actor.rolesOnCase.some((role) => transition.by.includes(role))) return { kind: 'not-allowed-for-role' };
  if (actor.partnerId === payment.requestedBy) return { kind: 'requester-may-not-transfer' };
  const { name } = payment.payee;
  if (name === undefined) return { kind: 'personal-data-erased' };
  if (!transition.from.includes(payment.status)) return { kind: 'not-allowed-in-status', currentStatus: payment.status };
  if (caseStatus === 'closed') return { kind: 'case-closed' };

  const disclosures = payment.payeeDisclosures ?? [];
  const index = disclosures.findLastIndex((sitting) => sitting.by === actor.partnerId);
  const latest = disclosures[index];
  const at = now.toISOString();
  const record: DisclosureRecord =
    latest !== undefined && now.getTime() - Date.parse(latest.firstAt) < disclosureSittingMs
      ? {
          kind: 'continue-sitting',
          index,
          sitting: latest,
          // Another function's clock may be slightly behind: lastAt never goes back.
          // biome-ignore lint/complexity/useMathMinMax: ISO date strings, not numbers
          at: at > latest.lastAt ? at : latest.lastAt,
        }
      : { kind: 'open-sitting', index: disclosures.length, sitting: { by: actor.partnerId, firstAt: at, lastAt: at, count: 1 } };
  return {
    kind: 'disclose',
    record,
    instructions: {
      paymentId: payment.paymentId,
      caseReference: payment.caseReference,
      amount: payment.amount,
      currency: payment.currency,
      payee: { ...payment.payee, name },
      remittanceInformation: remittanceInformation(payment.paymentId),
    },
  };
};
