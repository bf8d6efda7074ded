import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { notFound } from '#commons/problem';
import { referralView } from '#domain/referral-case';
import { caseId } from '#events/primitives';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));

/** A case another partner owns answers exactly like a case that does not exist. */
const getReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const id = caseId.safeParse(event.pathParameters?.id);
  const found = id.success ? await cases.get(id.data) : undefined;
  if (found === undefined || found.case.referrerId !== context.partner.partnerId) {
    throw notFound('There is no referral with this id for your organisation.');
  }
  return json(200, referralView(found.case, found.history));
};

export const handler = apiRoute<PartnerRequestContext>().use(partnerWithRole(['referrer'])).handler(getReferral);
