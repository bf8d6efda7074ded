import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { PlanRepository } from '#adapters/plan-repository';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { decideReservation, ledgerEntry } from '#domain/payments';
import { type PaymentItem, type PaymentMessage, paymentMessageSchema } from '#events/payment';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const plans = new PlanRepository(documentClient, tableName);
const payments = new PaymentRepository(documentClient, tableName);

/**
 * Rounds of read–decide–write for one message. A round is lost only to a concurrent change of the
 * same budget, payment or case; the message then fails and is delivered again.
 */
const maxRounds = 8;

/** Errors are named so the payment's `lastError` and the logs say what happened without any data. */
class PaymentMessageError extends Error {
  constructor(override readonly name: 'MessageNotAPaymentRequest' | 'PaymentNotFound' | 'MessageDoesNotMatchPayment' | 'CaseNotFound') {
    super(name);
  }
}

class ReservationContendedError extends Error {
  override name = 'ReservationContended';
}

const parseMessage = (record: SQSRecord): PaymentMessage => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new PaymentMessageError('MessageNotAPaymentRequest');
  }
  const parsed = paymentMessageSchema.safeParse(body);
  if (!parsed.success) throw new PaymentMessageError('MessageNotAPaymentRequest');
  return parsed.data;
};

/** Spreads retries of contending deliveries apart. */
const pause = (round: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * round));

/**
 * Reserves the payment's amount against its category's budget, or rejects it with a reason code.
 * Every write is conditioned on what the decision was made from (the payment still `requested`,
 * the case's version, the budget's plan version and what it has available), so a redelivered
 * message, a concurrent delivery or a change to the case between read and write can never reserve
 * twice or beyond the budget: the losing write is cancelled, and the next round decides again.
 */
const reserveOrRefuse = async (initial: PaymentItem): Promise<void> => {
  let payment: PaymentItem | undefined = initial;
  for (let round = 1; round <= maxRounds && payment !== undefined; round += 1) {
    const caseItem = await cases.getCase(payment.caseId);
    if (caseItem === undefined) throw new PaymentMessageError('CaseNotFound');
    const [plan, budget] = await Promise.all([
      caseItem.approvedPlanVersion === undefined ? undefined : plans.getVersion(caseItem.caseId, caseItem.approvedPlanVersion),
      payments.getBudget(payment.caseId, payment.category),
    ]);
    const decision = decideReservation({ payment, case: caseItem, plan, budget });
    const at = new Date().toISOString();
    switch (decision.kind) {
      case 'already-processed':
        logger.info('payment already processed', { paymentId: payment.paymentId, status: payment.status });
        return;
      case 'read-again':
        break;
      case 'align-budget':
        // No pause: aligning is a one-off per plan version, and losing it to another delivery is progress.
        await payments.alignBudget(decision.budget, decision.expected);
        continue;
      case 'reserve': {
        const outcome = await payments.reserve({
          payment,
          planVersion: decision.planVersion,
          caseVersion: caseItem.version,
          step: { status: 'reserved', at, by: 'system' },
          ledger: ledgerEntry(payment, 'reserved', { at, by: 'system', planVersion: decision.planVersion }),
        });
        if (outcome === 'applied') {
          logger.info('payment reserved', { paymentId: payment.paymentId, caseId: payment.caseId, planVersion: decision.planVersion });
          return;
        }
        break;
      }
      case 'over-budget':
      case 'refuse': {
        const code = decision.kind === 'over-budget' ? 'OVER_BUDGET' : decision.code;
        const outcome = await payments.refuse({
          payment,
          code,
          caseVersion: caseItem.version,
          step: { status: 'rejected', at, by: 'system', reasonCode: code },
          overBudget: decision.kind === 'over-budget' ? { planVersion: decision.planVersion } : undefined,
        });
        if (outcome === 'applied') {
          logger.info('payment refused', { paymentId: payment.paymentId, caseId: payment.caseId, reasonCode: code });
          return;
        }
        break;
      }
    }
    await pause(round);
    payment = await payments.getInCase(payment.caseId, payment.paymentId);
  }
  if (payment === undefined) throw new PaymentMessageError('PaymentNotFound');
  throw new ReservationContendedError();
};

const processPaymentRequest = async (record: SQSRecord): Promise<void> => {
  const message = parseMessage(record);
  const payment = await payments.getInCase(message.caseId, message.paymentId);
  if (payment === undefined) throw new PaymentMessageError('PaymentNotFound');
  if (payment.amount !== message.amount || payment.currency !== message.currency) {
    throw new PaymentMessageError('MessageDoesNotMatchPayment');
  }
  try {
    await reserveOrRefuse(payment);
  } catch (error) {
    const errorName = error instanceof Error ? error.name : 'UnknownError';
    logger.warn('payment reservation failed', { paymentId: payment.paymentId, caseId: payment.caseId, errorName });
    await payments.recordFailedAttempt(payment, errorName, new Date().toISOString()).catch((recordError: unknown) => {
      logger.warn('failed attempt not recorded', { paymentId: payment.paymentId, errorName: (recordError as Error)?.name });
    });
    throw error;
  }
};

/**
 * The payments Lambda, fed by the FIFO payments queue. When a message fails, it and every later
 * message of the same case in the batch are reported as failures (so a case's requests are never
 * reserved out of order), while other cases' messages go on; failed messages come back after the
 * visibility timeout and end in the dead-letter queue, which raises an alarm, after five receives.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event, context) =>
    // A processor holds one batch's state: one per invocation keeps the handler re-entrant.
    processPartialResponse(event, processPaymentRequest, new SqsFifoPartialProcessorAsync(), { context, skipGroupOnError: true })
  );
