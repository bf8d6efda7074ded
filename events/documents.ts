import * as z from 'zod/mini';
import { caseId, isoDateTime, partnerId, text } from './primitives.ts';

/**
 * The documents of a case (README, "Documents"): what a partner asks to attach, and what it is
 * shown. The bytes never pass through the API: the client uploads them straight to the storage with
 * the presigned upload it is answered, and downloads them with a presigned URL. The file name is
 * personal data (a name, a passport number): sealed at rest, shown only in the full view of a case.
 */

export const documentKinds = [
  'consent',
  'best_interests_determination',
  'identity_document',
  'travel_document',
  'medical_certificate',
  'other',
] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const documentContentTypes = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type DocumentContentType = (typeof documentContentTypes)[number];

/** 10 MiB: the most a document may declare, and so the most the storage accepts for it. */
export const maxDocumentBytes = 10 * 1024 * 1024;

export const documentStatuses = ['pending_upload', 'available', 'rejected'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

/** Why a check refused an upload. */
export const documentRejections = ['size_mismatch', 'content_type_mismatch'] as const;
export type DocumentRejection = (typeof documentRejections)[number];

/** Document ids are made by the API (UUIDs); anything else in a path is a 404. */
export const documentId = z
  .string()
  .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a document id' }));

/** `POST /v1/referrals/{id}/documents` */
export const attachDocumentRequestSchema = z.strictObject({
  kind: z.enum(documentKinds),
  contentType: z.enum(documentContentTypes),
  size: z.int().check(z.minimum(1), z.maximum(maxDocumentBytes, { error: 'must be at most 10 MiB (10485760 bytes)' })),
  fileName: text(255),
});
export type AttachDocumentRequest = z.infer<typeof attachDocumentRequestSchema>;

/** A presigned upload: a POST of a form with `fields` then the file, to `url`, before `expiresAt`. */
export const documentUploadSchema = z.object({
  method: z.literal('POST'),
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: isoDateTime,
});

/** A document as listed: the file name only for those who see the case's personal data. */
export const documentViewSchema = z.object({
  id: documentId,
  caseId,
  kind: z.enum(documentKinds),
  status: z.enum(documentStatuses),
  contentType: z.enum(documentContentTypes),
  size: z.int(),
  uploadedBy: partnerId,
  createdAt: isoDateTime,
  fileName: z.optional(z.string()),
  rejection: z.optional(z.enum(documentRejections)),
});
export type DocumentView = z.infer<typeof documentViewSchema>;

export const attachedDocumentSchema = z.object({ ...documentViewSchema.shape, upload: documentUploadSchema });

export const documentDownloadSchema = z.object({
  ...documentViewSchema.shape,
  download: z.object({ url: z.string(), expiresAt: isoDateTime }),
});

export const documentListSchema = z.object({ items: z.array(documentViewSchema) });

/**
 * S3's `Object Created` event as EventBridge delivers it (source `aws.s3`), the fields the check
 * reads. `version-id` is there for a versioned bucket; the local stack's storage has no versions.
 */
export const objectCreatedEventSchema = z.object({
  id: z.string(),
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number(), 'version-id': z.optional(z.string()) }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof objectCreatedEventSchema>;
