import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { DocumentRepository } from '#adapters/document-repository';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseWithPersonalDataForCaller } from '#commons/case-access';
import { disclosingRole, recordDisclosure } from '#commons/disclosure';
import { documentView } from '#commons/document-views';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));
// The file names are shown: the key's Decrypt only.
const documents = new DocumentRepository(documentClient, tableName, { open: personalDataCipherFromEnvironment() });

/**
 * A case's documents, oldest first. Their file names are personal data, so a list that holds any is
 * a disclosure, recorded before the answer leaves (functions/commons/disclosure.ts).
 */
const listDocuments = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await caseWithPersonalDataForCaller(cases, event, context.partner);
  const items = (await documents.ofCase(found.case.caseId)).map(documentView);
  const role = disclosingRole(found.rolesOnCase);
  if (role !== undefined && items.some((item) => item.fileName !== undefined)) {
    await recordDisclosure(accessLog, {
      at: new Date().toISOString(),
      caseId: found.case.caseId,
      partnerId: context.partner.partnerId,
      role,
      view: 'document',
    });
  }
  return json(200, { items });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}/documents')))
  .handler(listDocuments);
