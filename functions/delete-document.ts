import { CaseRepository } from '#adapters/case-repository';
import { DocumentRepository } from '#adapters/document-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { caseWithPersonalDataForCaller } from '#commons/case-access';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { logger } from '#commons/powertools';
import { forbidden, notFound } from '#commons/problem';
import { documentObjectKey, mayDelete } from '#domain/document-rules';
import { documentId } from '#events/documents';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// No key: deleting never reads the file name.
const documents = new DocumentRepository(documentClient, tableName);
const storage = new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME'));

/**
 * Deletes a document: every version of its bytes first, then its record. A version uploaded after
 * that (through a presigned form still valid) finds no document, and the check deletes it.
 */
const deleteDocument = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const found = await caseWithPersonalDataForCaller(cases, event, context.partner);
  const id = documentId.safeParse(event.pathParameters?.docId);
  const document = id.success ? await documents.get(found.case.caseId, id.data) : undefined;
  if (document === undefined) throw notFound('There is no document with this id in this referral.');
  if (!mayDelete({ partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase }, document)) {
    throw forbidden('Only the partner that uploaded a document, or a coordinator, may delete it.');
  }
  await storage.deleteVersions(documentObjectKey(document.caseId, document.documentId), document.versions ?? []);
  await documents.remove(document.caseId, document.documentId);
  logger.info('document deleted', { caseId: document.caseId, documentId: document.documentId });
  return { statusCode: 204, headers: {}, body: '' };
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('DELETE /v1/referrals/{id}/documents/{docId}')))
  .handler(deleteDocument);
