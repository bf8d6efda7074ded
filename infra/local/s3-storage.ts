import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localCredentials } from './provision.ts';
import { errorXml, type PostRefusal, refusalOf } from './s3-post-policy.ts';
import { localAccountId } from './template.ts';

/**
 * The local S3: s3rver (in this process, objects on disk) behind a front that makes the same
 * upload refused here as on S3. s3rver checks presigned URLs' expiry but not a presigned POST's
 * policy, so the front reads each form upload (`POST /<bucket>`) and checks its signature,
 * expiration and conditions (s3-post-policy.ts) before handing it on; every other request passes
 * through as it came. s3rver's in-process records of created objects become EventBridge's
 * `Object Created` events, for the local stack to put on its default bus.
 */
export interface LocalS3 {
  /** The front's address: what functions and clients are given. */
  endpoint: string;
  /** Calls `listener` with each object created, as S3 describes it to EventBridge (source `aws.s3`). */
  onObjectCreated(listener: (event: ObjectCreatedEntry) => void): () => void;
  close(): Promise<void>;
}

/** What PutEvents would take for an object created: S3 sends it to the default bus. */
export interface ObjectCreatedEntry {
  source: 'aws.s3';
  detailType: 'Object Created';
  resources: string[];
  detail: Record<string, unknown>;
}

/** The most the front reads of one form upload: beyond any document and its fields. */
const maxFormBytes = 64 * 1024 * 1024;

interface S3EventRecord {
  eventName: string;
  requestParameters?: { sourceIPAddress?: string };
  responseElements?: Record<string, string>;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
}

const require = createRequire(import.meta.url);

export async function startLocalS3(options: { dir?: string | undefined } = {}): Promise<LocalS3> {
  // biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
  const S3rver: any = require('s3rver');
  // biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types.
  const { DUMMY_ACCOUNT }: any = require('s3rver/lib/models/account');
  // The functions sign with the local credentials (provision.ts): s3rver knows its own pair only.
  DUMMY_ACCOUNT.createKeyPair(localCredentials.accessKeyId, localCredentials.secretAccessKey);
  const directory = options.dir ?? mkdtempSync(join(tmpdir(), 'trm-s3-'));
  mkdirSync(directory, { recursive: true });
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, vhostBuckets: false });
  const { port: s3rverPort } = await s3rver.run();
  const listeners = new Set<(event: ObjectCreatedEntry) => void>();
  s3rver.on('event', (event: { Records: S3EventRecord[] }) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      const entry = objectCreatedEntry(record);
      for (const listener of listeners) listener(entry);
    }
  });

  const front: Server = createServer((request, response) => void serveFront(request, response, s3rverPort));
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const { port } = front.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    onObjectCreated: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
      await s3rver.close();
      if (options.dir === undefined) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** What S3 puts in an `Object Created` event's detail (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html). */
function objectCreatedEntry(record: S3EventRecord): ObjectCreatedEntry {
  const { bucket, object } = record.s3;
  const reasons: Record<string, string> = {
    'ObjectCreated:Put': 'PutObject',
    'ObjectCreated:Post': 'POST Object',
    'ObjectCreated:Copy': 'CopyObject',
    'ObjectCreated:CompleteMultipartUpload': 'CompleteMultipartUpload',
  };
  return {
    source: 'aws.s3',
    detailType: 'Object Created',
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      // s3rver keeps no versions, so there is no `version-id`, as for an unversioned bucket.
      object: { key: object.key, size: object.size ?? 0, etag: object.eTag ?? '', sequencer: object.sequencer ?? '' },
      'request-id': record.responseElements?.['x-amz-request-id'] ?? '',
      requester: localAccountId,
      'source-ip-address': record.requestParameters?.sourceIPAddress ?? '127.0.0.1',
      reason: reasons[record.eventName] ?? 'PutObject',
    },
  };
}

async function serveFront(request: IncomingMessage, response: ServerResponse, s3rverPort: number): Promise<void> {
  try {
    const bucket = formUploadBucket(request);
    if (bucket === undefined) {
      request.pipe(forward(request, response, s3rverPort));
      return;
    }
    const body = await readBody(request);
    if (body === undefined) {
      answer(response, {
        status: 400,
        code: 'MaxPostPreDataLengthExceeded',
        message: 'Your POST request fields preceding the upload file were too large.',
      });
      return;
    }
    const refusal = await formRefusal(request, body, bucket);
    if (refusal !== undefined) {
      answer(response, refusal);
      return;
    }
    forward(request, response, s3rverPort).end(body);
  } catch (error) {
    answer(response, { status: 500, code: 'InternalError', message: `The local S3 front failed: ${String(error)}` });
  }
}

/** The bucket of a browser-based upload: a multipart form POSTed to the bucket itself (path style). */
function formUploadBucket(request: IncomingMessage): string | undefined {
  if (request.method !== 'POST' || !(request.headers['content-type'] ?? '').startsWith('multipart/form-data')) return undefined;
  const url = new URL(request.url ?? '/', 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean);
  return segments.length === 1 && url.search === '' ? decodeURIComponent(segments[0] as string) : undefined;
}

async function formRefusal(request: IncomingMessage, body: Buffer, bucket: string): Promise<PostRefusal | undefined> {
  let form: FormData;
  try {
    form = await new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': String(request.headers['content-type']) },
      body: new Uint8Array(body),
    }).formData();
  } catch {
    return { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' };
  }
  const fields = new Map<string, string>();
  let fileSize: number | undefined;
  for (const [name, value] of form.entries()) {
    if (name.toLowerCase() === 'file') fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
    else if (typeof value === 'string') fields.set(name, value);
  }
  if (fileSize === undefined)
    return { status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' };
  const secrets = new Map([[localCredentials.accessKeyId, localCredentials.secretAccessKey]]);
  return refusalOf({ bucket, fields, fileSize }, (accessKeyId) => secrets.get(accessKeyId), new Date());
}

/** The whole body, or undefined past the limit (the rest is drained, so the answer still reaches the client). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).length;
    if (length <= maxFormBytes) chunks.push(chunk as Buffer);
  }
  return length > maxFormBytes ? undefined : Buffer.concat(chunks);
}

function forward(request: IncomingMessage, response: ServerResponse, port: number) {
  const upstream = httpRequest(
    { host: '127.0.0.1', port, method: request.method, path: request.url, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    }
  );
  upstream.on('error', (error) => answer(response, { status: 502, code: 'InternalError', message: `s3rver: ${error.message}` }));
  return upstream;
}

function answer(response: ServerResponse, refusal: PostRefusal): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(refusal.status, { 'Content-Type': 'application/xml' });
  response.end(errorXml(refusal));
}
