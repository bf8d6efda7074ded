import { S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { afterAll, describe, expect, it } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { refusalOf } from '../../infra/local/s3-post-policy.ts';

/* The local S3 front's check of a presigned POST (infra/local/s3-post-policy.ts), on policies the SDK signs. */
const client = new S3Client({ region: 'eu-west-3', credentials: localCredentials, endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
afterAll(() => client.destroy());

const secretOf = (accessKeyId: string) => (accessKeyId === localCredentials.accessKeyId ? localCredentials.secretAccessKey : undefined);

const presigned = (expires = 60) =>
  createPresignedPost(client, {
    Bucket: 'docs',
    Key: 'cases/a/b',
    Conditions: [
      ['eq', '$Content-Type', 'application/pdf'],
      ['content-length-range', 1, 1000],
    ],
    Fields: { 'Content-Type': 'application/pdf' },
    Expires: expires,
  });

const check = (fields: Record<string, string>, fileSize: number, bucket = 'docs') =>
  refusalOf({ bucket, fields: new Map(Object.entries(fields)), fileSize }, secretOf, new Date());

describe("the local S3's check of a presigned POST", () => {
  it('accepts the upload the policy allows', async () => {
    expect(check((await presigned()).fields, 1000)).toBeUndefined();
  });

  it('refuses a file over or under the content-length range as S3 does', async () => {
    const { fields } = await presigned();
    expect(check(fields, 1001)).toMatchObject({ status: 400, code: 'EntityTooLarge' });
    expect(check(fields, 0)).toMatchObject({ status: 400, code: 'EntityTooSmall' });
  });

  it('refuses another content type, key or bucket', async () => {
    const { fields } = await presigned();
    expect(check({ ...fields, 'Content-Type': 'image/png' }, 10)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(check({ ...fields, key: 'cases/a/c' }, 10)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(check(fields, 10, 'other')).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('refuses an expired policy, a changed policy, an unknown key id and a field no condition covers', async () => {
    expect(check((await presigned(-1)).fields, 10)).toMatchObject({ status: 403, message: expect.stringContaining('Policy expired') });
    const { fields } = await presigned();
    const widened = Buffer.from(Buffer.from(fields.Policy!, 'base64').toString().replace('1000', '99999')).toString('base64');
    expect(check({ ...fields, Policy: widened }, 10)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const credential = fields['X-Amz-Credential']!.replace(/^local\//, 'someone/');
    expect(check({ ...fields, 'X-Amz-Credential': credential }, 10)).toMatchObject({ code: 'InvalidAccessKeyId' });
    expect(check({ ...fields, 'x-amz-meta-name': 'passport.pdf' }, 10)).toMatchObject({
      status: 403,
      message: expect.stringContaining('Extra input fields: x-amz-meta-name'),
    });
  });
});
