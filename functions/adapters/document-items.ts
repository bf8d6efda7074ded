import * as z from 'zod/mini';
import { documentContentTypes, documentKinds, documentRejections, documentStatuses } from '#events/documents';
import { casePk } from './case-items.ts';

/**
 * How a document is laid out in the cases table: in its case's partition (`CASE#<id>` /
 * `DOC#<document id>`), so reading and erasing a case find its documents with it. `fileName` is
 * sealed (personal-fields.ts) and absent once the case is erased; `versions` is the set of the
 * object's version ids the check has seen, which is what deleting every version deletes (nobody
 * may list the bucket).
 */
export const documentPrefix = 'DOC#';
export const documentKey = (caseId: string, documentId: string) => ({ pk: casePk(caseId), sk: `${documentPrefix}${documentId}` });

export const documentItemSchema = z.object({
  caseId: z.string(),
  documentId: z.string(),
  kind: z.enum(documentKinds),
  contentType: z.enum(documentContentTypes),
  size: z.number(),
  status: z.enum(documentStatuses),
  uploadedBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  rejection: z.optional(z.enum(documentRejections)),
  checkedVersion: z.optional(z.string()),
  versions: z.optional(z.array(z.string())),
  fileName: z.optional(z.string()),
});
export type DocumentItem = z.infer<typeof documentItemSchema>;

/** The id S3 gives a version of an object in an unversioned bucket (the local stack's s3rver has no versioning). */
export const nullVersion = 'null';
