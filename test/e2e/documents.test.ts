import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { DocumentStorage } from '../../functions/adapters/document-storage.ts';
import { documentObjectKey } from '../../functions/domain/document-rules.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import { expectOk, type PartnerCall, partnerApi } from './support/case-path.ts';

/*
 * A case's documents through the local stack (README, "Documents"): presigned uploads straight to
 * the local S3, which refuses what S3 would (its front checks the POST policy), the check fed by the
 * bucket's Object Created events on the default bus, downloads recorded in the access log, and
 * erasure deleting the objects.
 */
/**
 * The case assessed and offered by the platform. Bounded longer than the shared helper: a consumer
 * whose first start times out on a loaded machine gets its message back only after the queue's
 * visibility timeout (six times its own timeout).
 */
const offeredCase = (call: PartnerCall, caseId: string) =>
  waitFor(
    async () => {
      const { body } = await call('demo-referrer-fr', 'GET', `/v1/referrals/${caseId}`);
      return body.receiverId !== undefined && body;
    },
    { timeoutMs: 400_000, intervalMs: 500, description: `case ${caseId} offered` }
  );

let stack: LocalStack;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
  s3 = new S3Client({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.s3, forcePathStyle: true });
  const ids = Object.keys(stack.resources).filter((id) => /^DocumentsBucket[0-9A-F]{8}$/.test(id));
  expect(ids).toHaveLength(1);
  bucket = stack.resources[ids[0]!]!.ref;
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

const pdfBytes = (size: number): Uint8Array => {
  const bytes = new Uint8Array(size).fill(0x20);
  bytes.set(new TextEncoder().encode('%PDF-1.7\n'));
  return bytes;
};
const pngBytes = (size: number): Uint8Array => {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return bytes;
};

/** Uploads bytes with a presigned POST as a browser would: the fields, then the file. */
const upload = async (presigned: Json, bytes: Uint8Array, fileName = 'upload.bin'): Promise<{ status: number; text: string }> => {
  const form = new FormData();
  for (const [name, value] of Object.entries(presigned.fields as Record<string, string>)) form.append(name, value);
  form.append('file', new Blob([bytes]), fileName);
  const response = await fetch(presigned.url as string, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
};

const objectExists = async (key: string): Promise<boolean> => {
  try {
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return false;
    throw error;
  }
};

describe("a case's documents through the local stack", () => {
  it('attached by the referrer, checked, downloaded by the offered receiver (logged), hidden from others, erased with the case', async () => {
    const call = partnerApi(stack);
    const created = expectOk(await call('demo-referrer-fr', 'POST', '/v1/referrals', tactReferral()), 201);
    const caseId = created.id as string;
    const documents = `/v1/referrals/${caseId}/documents`;

    // given: a signed consent and a best-interests determination, attached and uploaded
    const consent = expectOk(
      await call('demo-referrer-fr', 'POST', documents, {
        kind: 'consent',
        contentType: 'application/pdf',
        size: 4096,
        fileName: 'consent signed.pdf',
      }),
      201
    );
    expect(consent).toMatchObject({ status: 'pending_upload', upload: { method: 'POST' } });
    expect(Date.parse(consent.upload.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    const determination = expectOk(
      await call('demo-referrer-fr', 'POST', documents, {
        kind: 'best_interests_determination',
        contentType: 'application/pdf',
        size: 2048,
        fileName: 'BID.pdf',
      }),
      201
    );
    expect((await upload(consent.upload, pdfBytes(4096))).status).toBe(204);
    expect((await upload(determination.upload, pdfBytes(2048))).status).toBe(204);

    // when: the check has run on both
    const available = await waitFor(
      async () => {
        const { body } = await call('demo-referrer-fr', 'GET', documents);
        const items = body.items as Json[];
        return items.length === 2 && items.every((item) => item.status === 'available') && items;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'both documents checked' }
    );
    expect(available.map((item: Json) => item.fileName)).toEqual(['consent signed.pdf', 'BID.pdf']);

    // and: finance and another referrer meet a 404, for the list and for a document
    for (const partner of ['demo-finance', 'demo-referrer-es']) {
      expect((await call(partner, 'GET', documents)).status).toBe(404);
      expect((await call(partner, 'GET', `${documents}/${consent.id}`)).status).toBe(404);
    }

    // and: PNG bytes declared as a PDF end rejected, and the object is gone
    const disguised = expectOk(
      await call('demo-referrer-fr', 'POST', documents, {
        kind: 'other',
        contentType: 'application/pdf',
        size: 1024,
        fileName: 'scan.pdf',
      }),
      201
    );
    expect((await upload(disguised.upload, pngBytes(1024))).status).toBe(204);
    const rejected = await waitFor(
      async () => {
        const { body } = await call('demo-referrer-fr', 'GET', documents);
        return (body.items as Json[]).find((item) => item.id === disguised.id && item.status !== 'pending_upload');
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'the disguised PNG checked' }
    );
    expect(rejected).toMatchObject({ status: 'rejected', rejection: 'content_type_mismatch' });
    expect(await objectExists(documentObjectKey(caseId, disguised.id))).toBe(false);
    expect((await call('demo-referrer-fr', 'GET', `${documents}/${disguised.id}`)).status).toBe(409);

    // then: once the platform offered the case, its receiver downloads both, each download logged before the URL leaves
    const offered = await offeredCase(call, caseId);
    expect(offered).toMatchObject({ status: 'eligible', receiverId: 'demo-receiver-al' });
    const logBefore = (await call('demo-coordinator', 'GET', `/v1/referrals/${caseId}/access-log?limit=200`)).body.items.length as number;
    for (const document of [consent, determination]) {
      const got = expectOk(await call('demo-receiver-al', 'GET', `${documents}/${document.id}`));
      expect(Date.parse(got.download.expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
      const bytes = new Uint8Array(await (await fetch(got.download.url)).arrayBuffer());
      expect(bytes.length).toBe(document.size);
      expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
    }
    const log = (await call('demo-coordinator', 'GET', `/v1/referrals/${caseId}/access-log?limit=200`)).body.items as Json[];
    expect(log.slice(logBefore).map((entry: Json) => `${entry.partnerId} ${entry.role} ${entry.view} ${entry.documentId}`)).toEqual([
      `demo-receiver-al receiver document ${consent.id}`,
      `demo-receiver-al receiver document ${determination.id}`,
    ]);

    // when: the coordinator erases the case
    expect((await call('demo-coordinator', 'POST', `/v1/referrals/${caseId}/erase`, { reason: 'subject_request' })).status).toBe(200);

    // then: every object of its documents is gone from the bucket, and so are the documents
    for (const document of [consent, determination]) expect(await objectExists(documentObjectKey(caseId, document.id))).toBe(false);
    expect((await call('demo-coordinator', 'GET', documents)).body.items).toEqual([]);
    expect(
      (await call('demo-referrer-fr', 'POST', documents, { kind: 'other', contentType: 'image/png', size: 10, fileName: 'x.png' })).status
    ).toBe(409);
  }, 600_000);

  it('refuses at the storage an upload over the declared size, another content type, and an expired URL', async () => {
    const call = partnerApi(stack);
    // The referrer attaches to its case whatever its status: no need to wait for the platform.
    const caseId = expectOk(await call('demo-referrer-fr', 'POST', '/v1/referrals', tactReferral()), 201).id as string;
    const attach = async (size: number) =>
      expectOk(
        await call('demo-referrer-fr', 'POST', `/v1/referrals/${caseId}/documents`, {
          kind: 'identity_document',
          contentType: 'application/pdf',
          size,
          fileName: 'passport.pdf',
        }),
        201
      );

    const largest = await attach(10 * 1024 * 1024);
    const tooLarge = await upload(largest.upload, pdfBytes(11 * 1024 * 1024));
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.text).toContain('<Code>EntityTooLarge</Code>');
    expect(await objectExists(documentObjectKey(caseId, largest.id))).toBe(false);

    const small = await attach(100);
    const otherType = { ...small.upload, fields: { ...small.upload.fields, 'Content-Type': 'image/png' } };
    const refused = await upload(otherType, pdfBytes(100));
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('<Code>AccessDenied</Code>');
    expect(await objectExists(documentObjectKey(caseId, small.id))).toBe(false);

    // An expired upload and an expired download, signed as the functions sign them (the local credentials).
    const storage = new DocumentStorage(s3, bucket);
    const key = documentObjectKey(caseId, small.id);
    const expiredUpload = await storage.presignUpload(key, 'application/pdf', 100, -60, new Date());
    const late = await upload({ ...expiredUpload }, pdfBytes(100));
    expect(late.status).toBe(403);
    expect(late.text).toContain('Policy expired');
    expect((await upload(small.upload, pdfBytes(100))).status).toBe(204);
    const expiredDownload = await storage.presignDownload(key, 'null', 60, new Date(Date.now() - 10 * 60 * 1000));
    expect((await fetch(expiredDownload.url)).status).toBe(403);
    const validDownload = await storage.presignDownload(key, 'null', 60, new Date());
    expect((await fetch(validDownload.url)).status).toBe(200);

    // Deleting: another referrer does not see the case (404); its uploader deletes it, bytes first.
    const remove = async (partnerId: string) => {
      const partner = stack.partners.find((candidate) => candidate.id === partnerId)!;
      const response = await fetch(`${stack.apiUrl}/v1/referrals/${caseId}/documents/${small.id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${partner.key}` },
      });
      return response.status;
    };
    expect(await remove('demo-referrer-es')).toBe(404);
    expect(await objectExists(key)).toBe(true);
    expect(await remove('demo-referrer-fr')).toBe(204);
    expect(await objectExists(key)).toBe(false);
    expect((await call('demo-referrer-fr', 'GET', `/v1/referrals/${caseId}/documents/${small.id}`)).status).toBe(404);
  }, 600_000);
});
