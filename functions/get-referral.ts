import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseForCaller } from '#commons/case-access';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { lifecycleParts } from '#domain/lifecycle-view';
import { financeView, referralView } from '#domain/referral-case';
import { todayIso } from '#events/dates';
import { rolesFor } from '#events/routes';

// The full view shows the person, who identified them and the notes: the key's Decrypt only.
const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'), { open: personalDataCipherFromEnvironment() });

const getReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await caseForCaller(cases, event, context.partner);
  const lifecycle = lifecycleParts(found.case, found.plans, found.visits, todayIso());
  return json(
    200,
    found.view === 'full'
      ? referralView(found.case, found.history, found.notes, lifecycle)
      : financeView(found.case, found.history, lifecycle)
  );
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}')))
  .handler(getReferral);
