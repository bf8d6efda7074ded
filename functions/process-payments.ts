import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BudgetRepository } from '#adapters/budget-repository';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { PlanRepository } from '#adapters/plan-repository';
import { requiredEnv } from '#commons/env';
import { PaymentMessageError, reservePayment } from '#commons/payment-reservation';
import { observed } from '#commons/powertools';
import { type PaymentMessage, paymentMessageSchema } from '#events/payment';

const tableName = requiredEnv('CASES_TABLE_NAME');
const stores = {
  cases: new CaseRepository(documentClient, tableName),
  plans: new PlanRepository(documentClient, tableName),
  payments: new PaymentRepository(documentClient, tableName),
  budgets: new BudgetRepository(documentClient, tableName),
};

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

const processPaymentRequest = async (record: SQSRecord): Promise<void> => reservePayment(parseMessage(record), stores);

/**
 * The payments Lambda, fed by the FIFO payments queue. When a message fails, it and every later
 * message of the same case in the batch are reported as failures (so a case's requests are never
 * reserved out of order), while other cases' messages go on; failed messages come back after the
 * visibility timeout and end in the dead-letter queue, which raises an alarm, after five receives.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observed())
  .handler(async (event, context) =>
    // A processor holds one batch's state: one per invocation keeps the handler re-entrant.
    processPartialResponse(event, processPaymentRequest, new SqsFifoPartialProcessorAsync(), { context, skipGroupOnError: true })
  );
