import { DeleteObjectsCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { nullVersion } from './document-items.ts';

/**
 * The bucket of case documents (infra/constructs/case-documents.ts): presigned uploads and downloads,
 * the first bytes of an upload for its check, and deleting every version of an object. It never
 * lists the bucket (nobody may): the versions to delete are those the check recorded.
 */

/**
 * Path-style addressing when an endpoint is given (the local stack's storage, reached by an address
 * and port, has no virtual-host names); on AWS the SDK's default.
 */
export const s3Client = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });

export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

/** A version id as the SDK takes it: the local storage's objects have none. */
const versionParameter = (versionId: string) => (versionId === nullVersion ? {} : { VersionId: versionId });

export class DocumentStorage {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string
  ) {}

  /**
   * A presigned POST that the storage itself enforces: this key only, this content type exactly,
   * and from 1 byte to the declared size.
   */
  async presignUpload(key: string, contentType: string, maxBytes: number, validitySeconds: number, now: Date): Promise<PresignedUpload> {
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucketName,
      Key: key,
      Conditions: [
        { bucket: this.bucketName },
        ['eq', '$key', key],
        ['eq', '$Content-Type', contentType],
        ['content-length-range', 1, maxBytes],
      ],
      Fields: { 'Content-Type': contentType },
      Expires: validitySeconds,
    });
    return { url, fields, expiresAt: new Date(now.getTime() + validitySeconds * 1000).toISOString() };
  }

  async presignDownload(key: string, versionId: string, validitySeconds: number, now: Date): Promise<{ url: string; expiresAt: string }> {
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucketName, Key: key, ...versionParameter(versionId), ResponseContentDisposition: 'attachment' }),
      { expiresIn: validitySeconds, signingDate: now }
    );
    return { url, expiresAt: new Date(now.getTime() + validitySeconds * 1000).toISOString() };
  }

  /** The first `length` bytes of a version and its whole size, in one ranged GET. */
  async head(key: string, versionId: string, length: number): Promise<{ size: number; head: Uint8Array }> {
    const answer = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucketName, Key: key, ...versionParameter(versionId), Range: `bytes=0-${length - 1}` })
    );
    const head = answer.Body === undefined ? new Uint8Array() : await answer.Body.transformToByteArray();
    // `Content-Range: bytes 0-7/12345`; an object shorter than the range may come whole, without one.
    const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1];
    return { size: total === undefined ? head.length : Number(total), head };
  }

  /** Deletes the versions named (every one the document had), in batches of S3's limit. */
  async deleteVersions(key: string, versionIds: readonly string[]): Promise<void> {
    const versions = versionIds.length === 0 ? [nullVersion] : [...new Set(versionIds)];
    for (let start = 0; start < versions.length; start += 1000) {
      const batch = versions.slice(start, start + 1000);
      const answer = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucketName,
          Delete: { Objects: batch.map((versionId) => ({ Key: key, ...versionParameter(versionId) })), Quiet: true },
        })
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0) throw new Error(`${failed.length} versions of a document could not be deleted (${failed[0]?.Code})`);
    }
  }
}
