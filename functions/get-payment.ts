import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { disclosingRole, recordDisclosure } from '#commons/disclosure';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { paymentForCaller } from '#commons/payment-access';
import { paymentViewFor } from '#domain/payment-views';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));
// The full view shows the payee, the purpose and the reviewers' notes: the key's Decrypt only.
const payments = new PaymentRepository(documentClient, tableName, { open: personalDataCipherFromEnvironment() });

const getPayment = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await paymentForCaller(payments, cases, event, context.partner);
  // The whole payment carries the payee's name and account: a disclosure, recorded first (functions/commons/disclosure.ts).
  const role = disclosingRole(found.rolesOnCase);
  if (found.view === 'full' && found.payment.payee.name !== undefined && role !== undefined) {
    await recordDisclosure(accessLog, {
      at: new Date().toISOString(),
      caseId: found.payment.caseId,
      partnerId: context.partner.partnerId,
      role,
      view: 'payment',
      paymentId: found.payment.paymentId,
    });
  }
  return json(200, paymentViewFor(found.payment, found.view));
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/payments/{id}')))
  .handler(getPayment);
