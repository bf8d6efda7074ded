import { nullVersion } from '#adapters/document-items';
import { DocumentRepository } from '#adapters/document-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { requiredEnv } from '#commons/env';
import { serviceEventConsumer } from '#commons/event-consumer';
import { logger } from '#commons/powertools';
import { checkUpload, signatureLength } from '#domain/document-check';
import { documentObjectKey, documentOfObjectKey, versionFate } from '#domain/document-rules';
import { type ObjectCreatedEvent, objectCreatedEventSchema } from '#events/documents';

// No key: the check never reads the file name.
const documents = new DocumentRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
const storage = new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME'));

/**
 * Checks an upload when S3 says an object was created (its `Object Created` event on the default
 * bus, routed to this function's queue by infra/constructs/case-documents.ts): the size must be the
 * declared one and the first bytes those of the declared type (functions/domain/document-check.ts);
 * then the document is `available`, else `rejected` with the reason and every version deleted. A
 * version that is not the first upload of a waiting document is deleted (domain/document-rules.ts).
 * Redelivered events change nothing: the verdict is written only on a waiting document.
 */
const checkDocument = async ({ detail }: ObjectCreatedEvent): Promise<void> => {
  const named = documentOfObjectKey(detail.object.key);
  const versionId = detail.object['version-id'] ?? nullVersion;
  if (named === undefined) {
    logger.warn('object created under a key no document has: deleted');
    await storage.deleteVersions(detail.object.key, [versionId]);
    return;
  }
  const { caseId, documentId } = named;
  const key = documentObjectKey(caseId, documentId);
  // Recorded before anything else, so a deletion of the document from now on deletes this version too.
  const recorded = await documents.recordVersion(caseId, documentId, versionId);
  const document = recorded ? await documents.get(caseId, documentId) : undefined;
  const fate = versionFate(document, versionId);
  if (fate === 'already_checked') return;
  if (fate === 'delete' || document === undefined) {
    logger.info('object version deleted: not the checked upload of a waiting document', { caseId, documentId });
    await storage.deleteVersions(key, [versionId]);
    return;
  }
  const stored = await storage.head(key, versionId, signatureLength);
  const verdict = checkUpload(document, stored);
  if (verdict.kind === 'rejected') await storage.deleteVersions(key, [...(document.versions ?? []), versionId]);
  const settled = await documents.settle(caseId, documentId, versionId, verdict, new Date().toISOString());
  if (!settled) {
    // Another version was settled meanwhile: this one is not the document's.
    const now = await documents.get(caseId, documentId);
    if (now?.checkedVersion !== versionId) await storage.deleteVersions(key, [versionId]);
    return;
  }
  logger.info('document checked', {
    caseId,
    documentId,
    status: verdict.kind,
    ...(verdict.kind === 'rejected' ? { reason: verdict.reason } : {}),
  });
};

const readObjectCreated = (body: unknown, messageId: string): ObjectCreatedEvent => {
  const parsed = objectCreatedEventSchema.safeParse(body);
  if (!parsed.success) throw new Error(`message ${messageId} is not an S3 Object Created event`);
  return parsed.data;
};

export const handler = serviceEventConsumer('check-document', readObjectCreated, () => checkDocument);
