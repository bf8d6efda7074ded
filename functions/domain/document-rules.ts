import type { DocumentStatus } from '#events/documents';
import type { Role } from '#events/primitives';

/**
 * Who may do what with a case's documents, beyond seeing the case (functions/commons/case-access.ts):
 * documents are personal data, so they exist only for a caller with the full view of the case
 * (never finance); a document is deleted by its uploader or a coordinator.
 */

/** How long a presigned upload stays valid: at most 15 minutes (README, "Documents"). */
export const uploadValiditySeconds = 15 * 60;
/** How long a download URL stays valid: at most 5 minutes. */
export const downloadValiditySeconds = 5 * 60;

/** The object key of a document: the case and the document id, never the file name. */
export const documentObjectKey = (caseId: string, documentId: string): string => `cases/${caseId}/${documentId}`;

/** The case and document a key names, or undefined for a key no document has. */
export const documentOfObjectKey = (key: string): { caseId: string; documentId: string } | undefined => {
  const match = /^cases\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/.exec(key);
  return match === null ? undefined : { caseId: match[1] as string, documentId: match[2] as string };
};

export const mayDelete = (caller: { partnerId: string; rolesOnCase: readonly Role[] }, document: { uploadedBy: string }): boolean =>
  caller.rolesOnCase.includes('coordinator') || (document.uploadedBy === caller.partnerId && caller.rolesOnCase.length > 0);

/**
 * What a stored version of a document's object becomes when its Object Created event is handled:
 * the first version of a document waiting for its upload is checked; any other (a second upload
 * through the same presigned form, an upload after the document was deleted, rejected or erased)
 * is deleted, so a checked document's bytes never change.
 */
export const versionFate = (document: { status: DocumentStatus; checkedVersion?: string | undefined } | undefined, versionId: string) => {
  if (document === undefined) return 'delete' as const;
  if (document.status === 'pending_upload') return 'check' as const;
  return document.checkedVersion === versionId ? ('already_checked' as const) : ('delete' as const);
};
