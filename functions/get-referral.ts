import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseForCaller } from '#commons/case-access';
import { disclosingRole, recordDisclosure } from '#commons/disclosure';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { lifecycleParts } from '#domain/lifecycle-view';
import { financeView, referralView } from '#domain/referral-case';
import { todayIso } from '#events/dates';
import { rolesFor } from '#events/routes';

const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));
// The full view shows the person, who identified them and the notes: the key's Decrypt only.
const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'), { open: personalDataCipherFromEnvironment() });

/**
 * The full view of a case carries the person's data: it is a disclosure, recorded in the access log
 * before the answer leaves (functions/commons/disclosure.ts). Finance's view and an erased case's view
 * carry none, and are not recorded.
 */
const getReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await caseForCaller(cases, event, context.partner);
  const lifecycle = lifecycleParts(found.case, found.plans, found.visits, todayIso());
  if (found.view !== 'full') return json(200, financeView(found.case, found.history, lifecycle));
  const role = disclosingRole(found.rolesOnCase);
  if (found.case.personalData === undefined && role !== undefined) {
    await recordDisclosure(accessLog, {
      at: new Date().toISOString(),
      caseId: found.case.caseId,
      partnerId: context.partner.partnerId,
      role,
      view: 'case',
    });
  }
  return json(200, referralView(found.case, found.history, found.notes, lifecycle));
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}')))
  .handler(getReferral);
