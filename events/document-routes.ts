import { attachDocumentRequestSchema } from './documents.ts';
import type { ApiRoute } from './routes.ts';

/**
 * The routes of a case's documents, part of the route table (events/routes.ts spreads them in). The
 * bytes go straight between the client and the storage through presigned URLs (README, "Documents").
 */
export const documentRoutes = [
  {
    method: 'POST',
    path: '/v1/referrals/{id}/documents',
    handler: 'attach-document',
    permission: 'document.attach',
    summary:
      'Record a document of the case (kind, content type, size, file name) and answer a presigned upload, valid 15 minutes, that the storage refuses for another size or content type; it is then checked',
    body: attachDocumentRequestSchema,
    successStatus: 201,
    answers: ['erased'],
  },
  {
    method: 'GET',
    path: '/v1/referrals/{id}/documents',
    handler: 'list-documents',
    permission: 'document.read',
    summary: "The case's documents with their status, oldest first (a disclosure: the file names are personal data)",
    successStatus: 200,
    answers: ['disclosure'],
  },
  {
    method: 'GET',
    path: '/v1/referrals/{id}/documents/{docId}',
    handler: 'get-document',
    permission: 'document.read',
    summary: 'An available document with a download URL valid 5 minutes (a disclosure, recorded before the answer)',
    successStatus: 200,
    answers: ['currentStatus', 'disclosure'],
  },
  {
    method: 'DELETE',
    path: '/v1/referrals/{id}/documents/{docId}',
    handler: 'delete-document',
    permission: 'document.delete',
    summary: 'Delete a document and every stored version of its bytes (its uploader or a coordinator)',
    successStatus: 204,
  },
] as const satisfies readonly ApiRoute[];
