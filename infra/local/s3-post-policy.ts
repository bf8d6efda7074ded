import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The checks S3 makes on a browser-based upload (a presigned POST) and s3rver does not: the
 * policy's signature (Signature Version 4, the signing key of the credential's secret), its
 * expiration, and each of its conditions (exact values, prefixes, the content-length range), with
 * every form field covered by a condition. The answer is S3's error for the first failure, or
 * undefined when S3 would accept the upload.
 * See https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html.
 */
export interface PostRefusal {
  status: number;
  code: string;
  message: string;
}

export interface PostUpload {
  bucket: string;
  /** The form's fields but the file, by the name the form gave them. */
  fields: Map<string, string>;
  fileSize: number;
}

/** Fields S3 does not ask a condition for. */
const unconditionedFields = new Set(['policy', 'x-amz-signature', 'file']);

export function refusalOf(upload: PostUpload, secretOf: (accessKeyId: string) => string | undefined, now: Date): PostRefusal | undefined {
  const fields = new Map([...upload.fields].map(([name, value]) => [name.toLowerCase(), value]));
  const policyText = fields.get('policy');
  if (policyText === undefined) return denied('Anonymous uploads are not allowed: the form has no policy.');
  const signatureRefusal = signatureRefusalOf(policyText, fields, secretOf);
  if (signatureRefusal !== undefined) return signatureRefusal;
  let policy: { expiration?: unknown; conditions?: unknown };
  try {
    policy = JSON.parse(Buffer.from(policyText, 'base64').toString('utf8'));
  } catch {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' };
  }
  if (typeof policy.expiration !== 'string' || !Array.isArray(policy.conditions)) {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: expiration and conditions are required.' };
  }
  if (now.getTime() > Date.parse(policy.expiration)) return denied('Invalid according to Policy: Policy expired.');
  const covered = new Set<string>();
  const fieldValue = (name: string): string | undefined => (name === 'bucket' ? upload.bucket : fields.get(name));
  for (const condition of policy.conditions as unknown[]) {
    const refusal = conditionRefusal(condition, fieldValue, upload.fileSize, covered);
    if (refusal !== undefined) return refusal;
  }
  const extra = [...fields.keys()].filter((name) => !covered.has(name) && !unconditionedFields.has(name) && !name.startsWith('x-ignore-'));
  if (extra.length > 0) return denied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return undefined;
}

function conditionRefusal(
  condition: unknown,
  fieldValue: (name: string) => string | undefined,
  fileSize: number,
  covered: Set<string>
): PostRefusal | undefined {
  const failed = (): PostRefusal => denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);
  if (Array.isArray(condition)) {
    const [operator, subject, expected] = condition as [string, unknown, unknown];
    if (operator === 'content-length-range') {
      const [min, max] = [Number(subject), Number(expected)];
      if (fileSize > max) return { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' };
      if (fileSize < min)
        return { status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' };
      return undefined;
    }
    const name = String(subject).replace(/^\$/, '').toLowerCase();
    covered.add(name);
    const actual = fieldValue(name) ?? '';
    if (operator === 'eq') return actual === String(expected) ? undefined : failed();
    if (operator === 'starts-with') return actual.startsWith(String(expected)) ? undefined : failed();
    return { status: 400, code: 'InvalidPolicyDocument', message: `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}` };
  }
  if (condition !== null && typeof condition === 'object') {
    for (const [key, expected] of Object.entries(condition)) {
      const name = key.toLowerCase();
      covered.add(name);
      if (fieldValue(name) !== String(expected)) return failed();
    }
    return undefined;
  }
  return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid Condition.' };
}

/** The SigV4 signature of a POST policy: HMAC-SHA256 of the base64 policy under the credential's signing key. */
function signatureRefusalOf(
  policy: string,
  fields: Map<string, string>,
  secretOf: (accessKeyId: string) => string | undefined
): PostRefusal | undefined {
  const credential = fields.get('x-amz-credential')?.split('/') ?? [];
  const signature = fields.get('x-amz-signature') ?? '';
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256' || credential.length !== 5) {
    return { status: 400, code: 'InvalidArgument', message: 'POST requires x-amz-algorithm AWS4-HMAC-SHA256 and an x-amz-credential.' };
  }
  const [accessKeyId, date, region, service] = credential as [string, string, string, string, string];
  const secret = secretOf(accessKeyId);
  if (secret === undefined) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = hmac(signingKey, policy).toString('hex');
  const matches = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
  return matches
    ? undefined
    : {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
}

const denied = (message: string): PostRefusal => ({ status: 403, code: 'AccessDenied', message });

export const errorXml = (refusal: PostRefusal): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`;

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
