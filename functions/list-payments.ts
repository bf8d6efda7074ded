import { AccessLogRepository } from '#adapters/access-log-repository';
import { BudgetRepository } from '#adapters/budget-repository';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { PlanRepository } from '#adapters/plan-repository';
import { disclosingRole, recordDisclosure } from '#commons/disclosure';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { paymentCaseForCaller } from '#commons/payment-access';
import { budgetViews } from '#domain/payment-budget';
import { paymentViewFor } from '#domain/payment-views';
import { defaultPaymentPageSize, listPaymentsQuerySchema } from '#events/payment';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// Full views of the payments show the payee, the purpose and the reviewers' notes: the key's Decrypt only.
const payments = new PaymentRepository(documentClient, tableName, { open: personalDataCipherFromEnvironment() });
const categoryBudgets = new BudgetRepository(documentClient, tableName);
const plans = new PlanRepository(documentClient, tableName);
const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));

const listPayments = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const query = parseQuery(event, listPaymentsQuerySchema);
  const found = await paymentCaseForCaller(cases, event, context.partner);
  const { caseId, approvedPlanVersion } = found.case;
  const [page, plan, budgets] = await Promise.all([
    payments.listForCase(caseId, {
      limit: query.limit ?? defaultPaymentPageSize,
      cursor: query.cursor,
      // The list has no filters yet; one added to the query belongs here too.
      boundTo: { caller: context.partner.partnerId },
    }),
    approvedPlanVersion === undefined ? undefined : plans.getVersion(caseId, approvedPlanVersion),
    categoryBudgets.forCase(caseId),
  ]);
  // A page of whole payments carries their payees' names and accounts: one disclosure, recorded first (functions/commons/disclosure.ts).
  const role = disclosingRole(found.rolesOnCase);
  if (found.view === 'full' && role !== undefined && page.items.some((payment) => payment.payee.name !== undefined)) {
    await recordDisclosure(accessLog, {
      at: new Date().toISOString(),
      caseId,
      partnerId: context.partner.partnerId,
      role,
      view: 'payment_list',
    });
  }
  return json(200, {
    items: page.items.map((payment) => paymentViewFor(payment, found.view)),
    budget: budgetViews(plan, budgets),
    ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
  });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}/payments')))
  .handler(listPayments);
