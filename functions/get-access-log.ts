import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { PageCursors } from '#adapters/cursor';
import { documentClient } from '#adapters/dynamodb';
import { StageSecrets } from '#adapters/stage-secret';
import { caseForCaller } from '#commons/case-access';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { type AccessLogPage, accessLogQuerySchema, defaultAccessLogPageSize } from '#events/personal-data';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// Cursors are sealed with the stage secret kept in the cases table, like every other list's.
const accessLog = new AccessLogRepository(
  documentClient,
  requiredEnv('ACCESS_LOG_TABLE_NAME'),
  new PageCursors(new StageSecrets(documentClient, tableName))
);

/** Who was shown the case's personal data, oldest first (coordinators only; the log never holds the values). */
const getAccessLog = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const query = parseQuery(event, accessLogQuerySchema);
  const found = await caseForCaller(cases, event, context.partner);
  const page = await accessLog.page(found.case.caseId, {
    limit: query.limit ?? defaultAccessLogPageSize,
    cursor: query.cursor,
    caller: context.partner.partnerId,
  });
  const body: AccessLogPage = {
    items: page.items.map(({ caseId: _caseId, ...entry }) => entry),
    ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }),
  };
  return json(200, body);
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}/access-log')))
  .handler(getAccessLog);
