import type { BudgetRepository } from '#adapters/budget-repository';
import type { CaseRepository } from '#adapters/case-repository';
import type { PaymentRepository } from '#adapters/payment-repository';
import type { PlanRepository } from '#adapters/plan-repository';
import { decideReservation } from '#domain/payment-budget';
import { ledgerEntry } from '#domain/payment-ledger';
import type { PaymentItem, PaymentMessage } from '#events/payment';
import { fullJitter, lostRace, optimistically } from './optimistic.ts';
import { logger } from './powertools.ts';

/**
 * The payment reservation use case: a queued request is reserved against its category's budget,
 * or rejected with a reason code (functions/domain/payment-budget.ts decides which). The payments
 * Lambda (functions/process-payments.ts) feeds it the queue's messages.
 */

export interface ReservationStores {
  cases: CaseRepository;
  plans: PlanRepository;
  payments: PaymentRepository;
  budgets: BudgetRepository;
}

/**
 * Rounds of read–decide–write for one message. A round is lost only to a concurrent change of the
 * same budget, payment or case; the message then fails and is delivered again.
 */
const maxRounds = 8;

/** Errors are named so the payment's `lastError` and the logs say what happened without any data. */
export class PaymentMessageError extends Error {
  constructor(override readonly name: 'MessageNotAPaymentRequest' | 'PaymentNotFound' | 'MessageDoesNotMatchPayment' | 'CaseNotFound') {
    super(name);
  }
}

class ReservationContendedError extends Error {
  override name = 'ReservationContended';
}

/**
 * Reserves the payment's amount against its category's budget, or rejects it with a reason code.
 * Every write is conditioned on what the decision was made from (the payment still `requested`,
 * the case's version, the budget's plan version and what it has available), so a redelivered
 * message, a concurrent delivery or a change to the case between read and write can never reserve
 * twice or beyond the budget: the losing write is cancelled, and the next round decides again.
 */
const reserveOrRefuse = async (initial: PaymentItem, { cases, plans, payments, budgets }: ReservationStores): Promise<void> => {
  let payment = initial;
  // Whether the next round reads the payment again (it moved on, or a write on it was lost).
  let paymentIsStale = false;
  // Aligning a budget is a one-off per plan version, and losing it to another delivery is progress: no pause after it.
  let pauseBeforeNextRound = true;
  await optimistically(
    async () => {
      if (paymentIsStale) {
        const reread = await payments.getInCase(payment.caseId, payment.paymentId);
        if (reread === undefined) throw new PaymentMessageError('PaymentNotFound');
        payment = reread;
      }
      paymentIsStale = true;
      pauseBeforeNextRound = true;
      const caseItem = await cases.getCase(payment.caseId);
      if (caseItem === undefined) throw new PaymentMessageError('CaseNotFound');
      const [plan, budget] = await Promise.all([
        caseItem.approvedPlanVersion === undefined ? undefined : plans.getVersion(caseItem.caseId, caseItem.approvedPlanVersion),
        budgets.getBudget(payment.caseId, payment.category),
      ]);
      const decision = decideReservation({ payment, case: caseItem, plan, budget });
      const at = new Date().toISOString();
      switch (decision.kind) {
        case 'already-processed':
          logger.info('payment already processed', { paymentId: payment.paymentId, status: payment.status });
          return;
        case 'read-again':
          return lostRace;
        case 'align-budget':
          await budgets.alignBudget(decision.budget, decision.expected);
          paymentIsStale = false;
          pauseBeforeNextRound = false;
          return lostRace;
        case 'reserve': {
          const outcome = await budgets.reserve({
            payment,
            planVersion: decision.planVersion,
            caseVersion: caseItem.version,
            step: { status: 'reserved', at, by: 'system' },
            ledger: ledgerEntry(payment, 'reserved', { at, by: 'system', planVersion: decision.planVersion }),
          });
          if (outcome === 'conflict') return lostRace;
          logger.info('payment reserved', { paymentId: payment.paymentId, caseId: payment.caseId, planVersion: decision.planVersion });
          return;
        }
        case 'over-budget':
        case 'refuse': {
          const code = decision.kind === 'over-budget' ? 'OVER_BUDGET' : decision.code;
          const outcome = await budgets.refuse({
            payment,
            code,
            caseVersion: caseItem.version,
            step: { status: 'rejected', at, by: 'system', reasonCode: code },
            overBudget: decision.kind === 'over-budget' ? { planVersion: decision.planVersion } : undefined,
          });
          if (outcome === 'conflict') return lostRace;
          logger.info('payment refused', { paymentId: payment.paymentId, caseId: payment.caseId, reasonCode: code });
          return;
        }
      }
    },
    {
      attempts: maxRounds,
      exhausted: () => new ReservationContendedError(),
      // Spreads retries of contending deliveries apart.
      backOff: (lostRaces) => (pauseBeforeNextRound ? fullJitter(lostRaces) : Promise.resolve()),
    }
  );
};

/**
 * Takes one queued request: the payment it names, reserved or refused. A failure is counted on
 * the payment, with its error's name, and thrown, so that the message is delivered again.
 */
export const reservePayment = async (message: PaymentMessage, stores: ReservationStores): Promise<void> => {
  const { payments, budgets } = stores;
  const payment = await payments.getInCase(message.caseId, message.paymentId);
  if (payment === undefined) throw new PaymentMessageError('PaymentNotFound');
  if (payment.amount !== message.amount || payment.currency !== message.currency) {
    throw new PaymentMessageError('MessageDoesNotMatchPayment');
  }
  try {
    await reserveOrRefuse(payment, stores);
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    logger.warn('payment reservation failed', { paymentId: payment.paymentId, caseId: payment.caseId, errorName });
    await budgets.recordFailedAttempt(payment, errorName, new Date().toISOString()).catch((recordError: unknown) => {
      logger.warn('failed attempt not recorded', { paymentId: payment.paymentId, errorName: (recordError as Error)?.name });
    });
    throw error;
  }
};
