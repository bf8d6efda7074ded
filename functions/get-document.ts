import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { DocumentRepository } from '#adapters/document-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseWithPersonalDataForCaller } from '#commons/case-access';
import { disclosingRole, recordDisclosure } from '#commons/disclosure';
import { documentView } from '#commons/document-views';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { conflict, notFound } from '#commons/problem';
import { documentObjectKey, downloadValiditySeconds } from '#domain/document-rules';
import { documentId } from '#events/documents';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));
const documents = new DocumentRepository(documentClient, tableName, { open: personalDataCipherFromEnvironment() });
const storage = new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME'));

/**
 * An available document with a download URL valid for 5 minutes, of the version that passed the
 * check. Handing it out is a disclosure: the access-log entry is written first, and without it
 * nothing is sent (functions/commons/disclosure.ts).
 */
const getDocument = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await caseWithPersonalDataForCaller(cases, event, context.partner);
  const id = documentId.safeParse(event.pathParameters?.docId);
  const document = id.success ? await documents.get(found.case.caseId, id.data) : undefined;
  if (document === undefined) throw notFound('There is no document with this id in this referral.');
  if (document.status !== 'available' || document.checkedVersion === undefined) {
    throw conflict(`The document is ${document.status}: only an available document can be downloaded.`, {}, document.status);
  }
  const role = disclosingRole(found.rolesOnCase);
  const now = new Date();
  if (role !== undefined) {
    await recordDisclosure(accessLog, {
      at: now.toISOString(),
      caseId: found.case.caseId,
      partnerId: context.partner.partnerId,
      role,
      view: 'document',
      documentId: document.documentId,
    });
  }
  const key = documentObjectKey(document.caseId, document.documentId);
  const download = await storage.presignDownload(key, document.checkedVersion, downloadValiditySeconds, now);
  return json(200, { ...documentView(document), download }, { 'Cache-Control': 'no-store' });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/referrals/{id}/documents/{docId}')))
  .handler(getDocument);
