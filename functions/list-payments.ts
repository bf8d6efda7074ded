import { CaseRepository } from '#adapters/case-repository';
import { decodeCursor, encodeCursor } from '#adapters/cursor';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { PlanRepository } from '#adapters/plan-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { paymentCaseForCaller } from '#commons/payment-access';
import { budgetViews, paymentViewFor } from '#domain/payments';
import { defaultPaymentPageSize, listPaymentsQuerySchema } from '#events/payment';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const payments = new PaymentRepository(documentClient, tableName);
const plans = new PlanRepository(documentClient, tableName);

const listPayments = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const query = parseQuery(event, listPaymentsQuerySchema);
  const found = await paymentCaseForCaller(cases, event, context.partner);
  const { caseId, approvedPlanVersion } = found.case;
  const partition = { name: 'pk', value: `CASE#${caseId}` };
  const [page, plan, budgets] = await Promise.all([
    payments.listForCase(caseId, {
      limit: query.limit ?? defaultPaymentPageSize,
      cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor, { keyNames: ['pk', 'sk'], partition }),
    }),
    approvedPlanVersion === undefined ? undefined : plans.getVersion(caseId, approvedPlanVersion),
    payments.budgets(caseId),
  ]);
  return json(200, {
    items: page.items.map((payment) => paymentViewFor(payment, found.view)),
    budget: budgetViews(plan, budgets),
    ...(page.nextKey === undefined ? {} : { cursor: encodeCursor(page.nextKey) }),
  });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}/payments')))
  .handler(listPayments);
