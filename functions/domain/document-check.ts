import type { DocumentContentType, DocumentRejection } from '#events/documents';

/**
 * What the check of an uploaded document decides (functions/check-document.ts), from the object as
 * stored and its first bytes: the size must be the one declared (the storage only enforced an upper
 * bound), and the bytes must begin as the declared type's files begin. A malware scan is not this
 * check's job (README, "Documents").
 */

/** How many bytes the check reads: enough for the longest signature below. */
export const signatureLength = 8;

/** The first bytes of each accepted type: `%PDF-`, JPEG's SOI marker and PNG's 8-byte signature. */
const signatures: Record<DocumentContentType, readonly number[]> = {
  'application/pdf': [0x25, 0x50, 0x44, 0x46, 0x2d],
  'image/jpeg': [0xff, 0xd8, 0xff],
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
};

export const beginsAs = (contentType: DocumentContentType, head: Uint8Array): boolean =>
  signatures[contentType].every((byte, index) => head[index] === byte);

export type CheckVerdict = { kind: 'available' } | { kind: 'rejected'; reason: DocumentRejection };

export const checkUpload = (
  declared: { contentType: DocumentContentType; size: number },
  stored: { size: number; head: Uint8Array }
): CheckVerdict => {
  if (stored.size !== declared.size) return { kind: 'rejected', reason: 'size_mismatch' };
  if (!beginsAs(declared.contentType, stored.head)) return { kind: 'rejected', reason: 'content_type_mismatch' };
  return { kind: 'available' };
};
