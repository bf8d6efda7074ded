import { randomUUID } from 'node:crypto';
import { CaseRepository } from '#adapters/case-repository';
import { DocumentRepository } from '#adapters/document-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseWithPersonalDataForCaller } from '#commons/case-access';
import { documentView } from '#commons/document-views';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from '#commons/http';
import { personalDataErased } from '#commons/personal-data-erased';
import { logger } from '#commons/powertools';
import { documentObjectKey, uploadValiditySeconds } from '#domain/document-rules';
import { attachDocumentRequestSchema } from '#events/documents';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// The file name is sealed: the key's GenerateDataKey only.
const documents = new DocumentRepository(documentClient, tableName, { seal: personalDataCipherFromEnvironment() });
const storage = new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME'));

/**
 * Records a document as waiting for its upload and answers the presigned POST the client uploads
 * its bytes with: the storage refuses another size or content type (README, "Documents"); the
 * Object Created event then triggers the check (functions/check-document.ts).
 */
const attachDocument = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const request = parseJsonBody(event, attachDocumentRequestSchema);
  const found = await caseWithPersonalDataForCaller(cases, event, context.partner);
  if (found.case.personalData !== undefined) {
    throw personalDataErased('The personal data of this case was erased: it takes no documents any more.');
  }
  const now = new Date();
  const documentId = randomUUID();
  const document = {
    caseId: found.case.caseId,
    documentId,
    kind: request.kind,
    contentType: request.contentType,
    size: request.size,
    status: 'pending_upload' as const,
    uploadedBy: context.partner.partnerId,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await documents.create({ ...document, fileName: request.fileName });
  const key = documentObjectKey(document.caseId, documentId);
  const upload = await storage.presignUpload(key, request.contentType, request.size, uploadValiditySeconds, now);
  logger.info('document recorded', { caseId: document.caseId, documentId, kind: request.kind });
  return json(201, { ...documentView({ ...document, fileName: request.fileName }), upload: { method: 'POST', ...upload } });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals/{id}/documents')))
  .handler(attachDocument);
