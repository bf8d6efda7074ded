import type { DocumentItem } from '#adapters/document-items';
import type { DocumentView } from '#events/documents';

/** A document as its readers see it: every caller that reaches one sees the case's personal data, so the file name too. */
export const documentView = (document: DocumentItem): DocumentView => ({
  id: document.documentId,
  caseId: document.caseId,
  kind: document.kind,
  status: document.status,
  contentType: document.contentType,
  size: document.size,
  uploadedBy: document.uploadedBy,
  createdAt: document.createdAt,
  ...(document.fileName === undefined ? {} : { fileName: document.fileName }),
  ...(document.rejection === undefined ? {} : { rejection: document.rejection }),
});
