import type { PaymentStatus } from '#events/payment';
import type { Actor } from '#events/permissions';
import { permissions } from '#events/permissions';

/**
 * The states of a reintegration payment and who may move it between them, with no AWS in them.
 * The actors come from events/permissions.ts, where the routes take their roles from too.
 *
 *   requested ─▶ reserved ─▶ approved ─▶ disbursed
 *       │            │           │
 *       └────────────┴───────────┴──▶ rejected | cancelled   (a reserved amount is released)
 */

export interface PaymentTransition {
  from: readonly PaymentStatus[];
  to: PaymentStatus;
  by: readonly Actor[];
}

const beforeDisbursement = ['requested', 'reserved', 'approved'] as const satisfies readonly PaymentStatus[];

export const paymentActions = {
  reserve: { from: ['requested'], to: 'reserved', by: permissions.payment.reserve },
  refuse: { from: ['requested'], to: 'rejected', by: permissions.payment.refuse },
  approve: { from: ['reserved'], to: 'approved', by: permissions.payment.approve },
  reject: { from: beforeDisbursement, to: 'rejected', by: permissions.payment.reject },
  cancel: { from: beforeDisbursement, to: 'cancelled', by: permissions.payment.cancel },
  disburse: { from: ['approved'], to: 'disbursed', by: permissions.payment.disburse },
} as const satisfies Record<string, PaymentTransition>;

export type PaymentAction = keyof typeof paymentActions;
export type ReviewAction = Exclude<PaymentAction, 'reserve' | 'refuse'>;

/** Statuses in which money is held against the budget. */
export const holdsReservation = (status: PaymentStatus): boolean => status === 'reserved' || status === 'approved';

/** Statuses someone still has to act on; they are listed in finance's daily digest. */
export const isOpen = (status: PaymentStatus): boolean => (beforeDisbursement as readonly PaymentStatus[]).includes(status);
