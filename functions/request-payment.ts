import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentQueue } from '#adapters/payment-queue';
import { PaymentRepository } from '#adapters/payment-repository';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import {
  type ApiEvent,
  type ApiResult,
  apiRoute,
  idempotencyKeyRequired,
  json,
  type PartnerRequestContext,
  parseJsonBody,
  partnerWithRole,
} from '#commons/http';
import { idempotentRoute } from '#commons/idempotency';
import { paymentCaseForCaller } from '#commons/payment-access';
import { logger } from '#commons/powertools';
import { forbidden, idempotencyKeyReused } from '#commons/problem';
import { isSameRequest, newPayment, paymentIdFor } from '#domain/payment-request';
import { paymentRequestSchema } from '#events/payment';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// Seals the payee and the purpose; a retried request is compared with the stored one, opened.
const cipher = personalDataCipherFromEnvironment();
const payments = new PaymentRepository(documentClient, tableName, { seal: cipher, open: cipher });
const queue = new PaymentQueue(sqsClient, requiredEnv('PAYMENTS_QUEUE_URL'));

/**
 * Stores the request (with its payee, inside the case record) and queues it for the payments
 * Lambda, which checks the plan and the budget. A retry after a failure between the two finds the
 * same payment (its id comes from the Idempotency-Key) and queues it again; the queue's
 * deduplication and the payment's status make that one reservation.
 */
const requestPayment = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const request = parseJsonBody(event, paymentRequestSchema);
  const found = await paymentCaseForCaller(cases, event, context.partner);
  if (!found.rolesOnCase.includes('receiver')) {
    throw forbidden('Only the receiving partner of the case may request payments for it.');
  }
  const requestedBy = context.partner.partnerId;
  const paymentId = paymentIdFor(requestedBy, event.headers['idempotency-key'] as string);
  let payment = newPayment(request, { paymentId, case: found.case, requestedBy }, new Date());
  if ((await payments.create(payment)) === 'exists') {
    const stored = await payments.get(paymentId);
    if (stored === undefined || !isSameRequest(stored, found.case.caseId, request)) throw idempotencyKeyReused();
    payment = stored;
  }
  if (payment.status === 'requested') {
    await queue.enqueue({ paymentId, caseId: payment.caseId, amount: payment.amount, currency: payment.currency });
  }
  logger.info('payment requested', { paymentId, caseId: payment.caseId, status: payment.status });
  return json(202, { id: paymentId, status: payment.status }, { Location: `/v1/payments/${paymentId}` });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals/{id}/payments')))
  .use(idempotencyKeyRequired())
  .handler(idempotentRoute(requestPayment));
