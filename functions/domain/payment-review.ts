import type { CaseStatus } from '#events/case';
import { todayIso } from '#events/dates';
import type { DisbursementRequest, PaymentItem, PaymentRejectRequest, PaymentStatus, PaymentStep } from '#events/payment';
import type { Actor } from '#events/permissions';
import type { Role } from '#events/primitives';
import { type LedgerEntry, ledgerEntry } from './payment-ledger.ts';
import { holdsReservation, type PaymentTransition, paymentActions, type ReviewAction } from './payment-lifecycle.ts';

/** A reviewer's step on a payment (approve, reject, cancel, disbursed) and what it changes. */

export interface PaymentChange {
  status: PaymentStatus;
  step: PaymentStep;
  fields: Partial<Pick<PaymentItem, 'reasonCode' | 'reviewReason' | 'transferReference' | 'disbursedOn'>>;
  /** The movement this step makes, written with it; absent when no money moves. */
  ledger?: LedgerEntry;
}

export type ReviewDecision =
  | { kind: 'apply'; change: PaymentChange }
  /** The step was already taken with the same content: answering the current payment is the retry's result. */
  | { kind: 'unchanged' }
  | { kind: 'not-allowed-for-role'; allowedRoles: readonly Actor[] }
  | { kind: 'requester-may-not-review' }
  | { kind: 'not-allowed-in-status'; currentStatus: PaymentStatus }
  | { kind: 'already-disbursed-differently' }
  | { kind: 'case-closed' }
  | { kind: 'invalid'; path: string; message: string };

export type ReviewRequest =
  | { action: 'approve'; note?: string | undefined }
  | { action: 'reject'; reason: PaymentRejectRequest['reason']; note?: string | undefined }
  | { action: 'cancel'; note?: string | undefined }
  | ({ action: 'disburse' } & DisbursementRequest);

/**
 * A closed case accepts no change but reopening (issue 8), so no money leaves for it: approving
 * and disbursing wait for a coordinator to reopen it. Rejecting and cancelling stay open, since
 * they only give a reservation back to the budget.
 */
export const movesMoneyOut = (action: ReviewAction): boolean => action === 'approve' || action === 'disburse';

/**
 * A reviewer's step. Approving, rejecting and confirming a disbursement are for someone other
 * than the requester (four eyes); cancelling is for the requester itself or a coordinator.
 * Repeating a step already taken changes nothing.
 */
export const decideReview = (
  payment: PaymentItem,
  actor: { partnerId: string; rolesOnCase: readonly Role[] },
  request: ReviewRequest,
  now: Date,
  caseStatus: CaseStatus
): ReviewDecision => {
  const transition: PaymentTransition = paymentActions[request.action];
  const isRequester = actor.partnerId === payment.requestedBy;
  const actingRoles = actor.rolesOnCase.filter(
    (role) => transition.by.includes(role) && (request.action !== 'cancel' || role !== 'receiver' || isRequester)
  );
  if (actingRoles.length === 0) return { kind: 'not-allowed-for-role', allowedRoles: transition.by };
  if (request.action !== 'cancel' && isRequester) return { kind: 'requester-may-not-review' };

  if (payment.status === transition.to) {
    if (request.action !== 'disburse') return { kind: 'unchanged' };
    return payment.transferReference === request.transferReference && payment.disbursedOn === request.disbursedOn
      ? { kind: 'unchanged' }
      : { kind: 'already-disbursed-differently' };
  }
  if (!transition.from.includes(payment.status)) return { kind: 'not-allowed-in-status', currentStatus: payment.status };
  if (caseStatus === 'closed' && movesMoneyOut(request.action)) return { kind: 'case-closed' };

  const at = now.toISOString();
  const by = actor.partnerId;
  const note = request.action === 'disburse' ? undefined : request.note;
  const step: PaymentStep = { status: transition.to, at, by, ...(note === undefined ? {} : { note }) };
  const planVersion = payment.planVersion;
  const release =
    holdsReservation(payment.status) && planVersion !== undefined
      ? { ledger: ledgerEntry(payment, 'released', { at, by, planVersion }) }
      : {};

  switch (request.action) {
    case 'approve':
      return { kind: 'apply', change: { status: 'approved', step, fields: {} } };
    case 'reject':
      return {
        kind: 'apply',
        change: {
          status: 'rejected',
          step: { ...step, reasonCode: 'REJECTED_ON_REVIEW', reviewReason: request.reason },
          fields: { reasonCode: 'REJECTED_ON_REVIEW', reviewReason: request.reason },
          ...release,
        },
      };
    case 'cancel':
      return { kind: 'apply', change: { status: 'cancelled', step, fields: {}, ...release } };
    case 'disburse': {
      if (request.disbursedOn > todayIso(now)) {
        return { kind: 'invalid', path: 'disbursedOn', message: 'must not be in the future' };
      }
      if (request.disbursedOn < payment.requestedAt.slice(0, 10)) {
        return { kind: 'invalid', path: 'disbursedOn', message: 'must not be before the payment was requested' };
      }
      return {
        kind: 'apply',
        change: {
          status: 'disbursed',
          step,
          fields: { transferReference: request.transferReference, disbursedOn: request.disbursedOn },
          ledger: ledgerEntry(payment, 'disbursed', {
            at,
            by,
            planVersion: planVersion as number,
            transferReference: request.transferReference,
            disbursedOn: request.disbursedOn,
          }),
        },
      };
    }
  }
};
