import { describe, expect, it } from 'vitest';
import { attachDocumentRequestSchema, maxDocumentBytes } from '../../events/documents.ts';
import { checkUpload } from '../../functions/domain/document-check.ts';
import { documentObjectKey, documentOfObjectKey, mayDelete, versionFate } from '../../functions/domain/document-rules.ts';

const pdf = Uint8Array.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37]);
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]);

describe('the check of an upload', () => {
  it.each([
    ['application/pdf', pdf],
    ['image/png', png],
    ['image/jpeg', jpeg],
  ] as const)('accepts %s bytes of the declared size', (contentType, head) => {
    expect(checkUpload({ contentType, size: 2048 }, { size: 2048, head })).toEqual({ kind: 'available' });
  });

  it('rejects PNG bytes declared as a PDF, and a PDF declared as a JPEG', () => {
    expect(checkUpload({ contentType: 'application/pdf', size: 10 }, { size: 10, head: png })).toEqual({
      kind: 'rejected',
      reason: 'content_type_mismatch',
    });
    expect(checkUpload({ contentType: 'image/jpeg', size: 10 }, { size: 10, head: pdf })).toEqual({
      kind: 'rejected',
      reason: 'content_type_mismatch',
    });
  });

  it('rejects a size other than the declared one, even a smaller one the storage let through', () => {
    expect(checkUpload({ contentType: 'application/pdf', size: 2048 }, { size: 2047, head: pdf })).toEqual({
      kind: 'rejected',
      reason: 'size_mismatch',
    });
  });

  it('rejects bytes shorter than the signature', () => {
    expect(checkUpload({ contentType: 'image/png', size: 3 }, { size: 3, head: png.slice(0, 3) }).kind).toBe('rejected');
  });
});

describe('document rules', () => {
  const caseId = '0b7e4a52-1111-4222-8333-444455556666';
  const documentId = '9f1c2d3e-aaaa-4bbb-8ccc-ddddeeeeffff';

  it('keys an object by case and document id only, and reads the key back', () => {
    expect(documentObjectKey(caseId, documentId)).toBe(`cases/${caseId}/${documentId}`);
    expect(documentOfObjectKey(documentObjectKey(caseId, documentId))).toEqual({ caseId, documentId });
    expect(documentOfObjectKey(`cases/${caseId}/passport-of-someone.pdf`)).toBeUndefined();
  });

  it('lets the uploader and coordinators delete, nobody else', () => {
    const document = { uploadedBy: 'ngo-paris' };
    expect(mayDelete({ partnerId: 'ngo-paris', rolesOnCase: ['referrer'] }, document)).toBe(true);
    expect(mayDelete({ partnerId: 'coordination', rolesOnCase: ['coordinator'] }, document)).toBe(true);
    expect(mayDelete({ partnerId: 'ngo-tirana', rolesOnCase: ['receiver'] }, document)).toBe(false);
  });

  it('checks the first version of a waiting document and deletes any other', () => {
    expect(versionFate({ status: 'pending_upload' }, 'v1')).toBe('check');
    expect(versionFate({ status: 'available', checkedVersion: 'v1' }, 'v1')).toBe('already_checked');
    expect(versionFate({ status: 'available', checkedVersion: 'v1' }, 'v2')).toBe('delete');
    expect(versionFate({ status: 'rejected', checkedVersion: 'v1' }, 'v2')).toBe('delete');
    expect(versionFate(undefined, 'v1')).toBe('delete');
  });
});

describe('the attach request', () => {
  const valid = { kind: 'consent', contentType: 'application/pdf', size: 1000, fileName: 'consent.pdf' };

  it('takes at most 10 MiB, a PDF, JPEG or PNG, and a file name', () => {
    expect(attachDocumentRequestSchema.safeParse(valid).success).toBe(true);
    expect(attachDocumentRequestSchema.safeParse({ ...valid, size: maxDocumentBytes }).success).toBe(true);
    expect(attachDocumentRequestSchema.safeParse({ ...valid, size: maxDocumentBytes + 1 }).success).toBe(false);
    expect(attachDocumentRequestSchema.safeParse({ ...valid, size: 0 }).success).toBe(false);
    expect(attachDocumentRequestSchema.safeParse({ ...valid, contentType: 'text/html' }).success).toBe(false);
    expect(attachDocumentRequestSchema.safeParse({ ...valid, fileName: '  ' }).success).toBe(false);
  });
});
