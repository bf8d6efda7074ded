import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { paymentForCaller } from '#commons/payment-access';
import { paymentViewFor } from '#domain/payment-views';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const payments = new PaymentRepository(documentClient, tableName);

const getPayment = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await paymentForCaller(payments, cases, event, context.partner);
  return json(200, paymentViewFor(found.payment, found.view));
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/payments/{id}')))
  .handler(getPayment);
