import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { forbidden } from '#commons/problem';
import { listingFor } from '#domain/case-listing';
import { referralListItem } from '#domain/referral-case';
import { defaultPageSize, listReferralsQuerySchema } from '#events/referral-list';
import { rolesFor } from '#events/routes';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));

const listReferrals = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const query = parseQuery(event, listReferralsQuerySchema);
  const listing = listingFor(context.partner, query);
  if (listing === 'role-not-held') throw forbidden('You can only list cases as a role your organisation holds.');
  const page = await cases.list({
    listing,
    status: query.status,
    limit: query.limit ?? defaultPageSize,
    cursor: query.cursor,
    boundTo: { caller: context.partner.partnerId, filters: { status: query.status } },
  });
  return json(200, {
    items: page.items.map(referralListItem),
    ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
  });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals')))
  .handler(listReferrals);
