import { randomUUID } from 'node:crypto';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { type OpenApiDocument, type Operation, operationAt, operationsOf } from './operations.ts';
import { type FuzzRequest, generateRequests } from './requests.ts';

/*
 * The fuzzer behind `npm run fuzz` and test/e2e/fuzz.test.ts: requests generated from the served
 * OpenAPI document and from mutated sample bodies, sent over HTTP to a running stack as every demo
 * partner, each answer checked against the contract the README's partner API section states.
 */

export interface FuzzPartner {
  id: string;
  roles: readonly string[];
  key: string;
}

export interface FuzzOptions {
  apiUrl: string;
  partners: readonly FuzzPartner[];
  requests: number;
  seed: number;
  concurrency?: number;
  /** Called after each answer with the number sent so far. */
  onProgress?: (sent: number) => void;
}

export interface Finding {
  index: number;
  reason: string;
  request: string;
  status: number;
  body: string;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  byStatus: Map<number, number>;
  /** Counts per operation (`METHOD /path`, or `unmatched`), by status. */
  byRoute: Map<string, Map<number, number>>;
  findings: Finding[];
}

// Far over the handlers' 64 KiB (functions/commons/http.ts) yet under the gateway's own 10 MB limit,
// whose 413 is the gateway's answer and no problem document.
const tooLargeBytes = 1024 * 1024;
// Statuses the gateway answers itself, before any function (README: the partner API's errors).
const throttled = 429;
const unmatchedStatuses = new Set([404, 405]);

const stackTrace = /\n\s+at \S|\(\S+:\d+:\d+\)|\.(?:ts|mjs|cjs|js):\d+/;
const filePath = /\/work\/|node_modules|\/var\/task|\/var\/runtime|file:\/\//;

/** The ids of cases created for the run, so generated requests also reach existing records. */
const createCases = async (apiUrl: string, partners: readonly FuzzPartner[]): Promise<string[]> => {
  const ids: string[] = [];
  for (const partner of partners.filter((candidate) => candidate.roles.includes('referrer'))) {
    for (const body of [tactReferral(), careMinorReferral()]) {
      const response = await fetch(`${apiUrl}/v1/referrals`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${partner.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
        body: JSON.stringify(body),
      });
      const created = (await response.json().catch(() => ({}))) as { id?: unknown };
      if (response.status === 201 && typeof created.id === 'string') ids.push(created.id);
    }
  }
  return ids;
};

const pathOf = (request: FuzzRequest, ids: readonly string[]): string => {
  const id =
    request.id.kind === 'existing'
      ? (ids[request.id.index % Math.max(ids.length, 1)] ?? randomUUID())
      : encodeURIComponent(request.id.value);
  const path = request.target.replaceAll(/\{[^}]+\}/g, id);
  switch (request.pathMutation) {
    case 'none':
      return path;
    case 'double-slash':
      return path.replace('/v1/', '/v1//');
    case 'trailing-slash':
      return `${path}/`;
    case 'extra-segment':
      return `${path}/extra`;
    case 'unknown-prefix':
      return `/v0${path}`;
    case 'empty-segment':
      return path.replace(/\/[^/]+$/, '/');
  }
};

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

const materialize = (
  request: FuzzRequest,
  partners: readonly FuzzPartner[],
  ids: readonly string[],
  idempotencyKeys: readonly string[]
): Sent => {
  const headers: Record<string, string> = {};
  if (request.auth.kind === 'partner') headers.Authorization = `Bearer ${partners[request.auth.index % partners.length]?.key}`;
  if (request.auth.kind === 'raw') headers.Authorization = request.auth.value;
  if (request.idempotencyKey.kind === 'fresh') headers['Idempotency-Key'] = randomUUID();
  if (request.idempotencyKey.kind === 'pooled') headers['Idempotency-Key'] = idempotencyKeys[request.idempotencyKey.index] ?? randomUUID();
  if (request.idempotencyKey.kind === 'raw') headers['Idempotency-Key'] = request.idempotencyKey.value;
  if (request.contentType !== undefined) headers['Content-Type'] = request.contentType;
  const query = new URLSearchParams(request.query).toString();
  // fetch sends no body with GET: such a request goes without it.
  const body =
    request.method === 'GET'
      ? undefined
      : request.body.kind === 'text'
        ? request.body.text
        : request.body.kind === 'tooLarge'
          ? 'x'.repeat(tooLargeBytes)
          : undefined;
  return { method: request.method, path: `${pathOf(request, ids)}${query ? `?${query}` : ''}`, headers, body };
};

const describeSent = (sent: Sent, mutation: string): string => {
  const body = sent.body === undefined ? '' : ` body(${sent.body.length} chars)=${sent.body.slice(0, 300)}`;
  return `${sent.method} ${sent.path.slice(0, 300)} [${mutation}] headers=${JSON.stringify(sent.headers).slice(0, 300)}${body}`;
};

/** What is wrong with an answer, or undefined when it keeps the contract. */
export const checkAnswer = (
  operation: Operation | undefined,
  sent: Pick<Sent, 'headers'>,
  answer: { status: number; contentType: string; body: string }
): string | undefined => {
  const { status, contentType, body } = answer;
  if (stackTrace.test(body)) return 'a stack trace in the body';
  if (filePath.test(body)) return 'a file path in the body';
  if (status >= 500) return `a ${status}`;
  if (status === throttled) return undefined;
  // API Gateway's own answer to a request without the header its authorizer reads.
  // An empty header is no identity source to the gateway either.
  if (status === 401 && (sent.headers.Authorization ?? '').trim() === '' && body.replaceAll(/\s/g, '') === '{"message":"Unauthorized"}')
    return undefined;
  if (status >= 400 && contentType.split(';')[0]?.trim() !== 'application/problem+json')
    return `a ${status} that is no problem document (${contentType})`;
  if (status >= 400) {
    let problem: { status?: unknown; type?: unknown; title?: unknown; detail?: unknown } = {};
    try {
      problem = JSON.parse(body) ?? {};
    } catch {
      return 'a problem document that is no JSON';
    }
    if (
      problem.status !== status ||
      typeof problem.type !== 'string' ||
      typeof problem.title !== 'string' ||
      typeof problem.detail !== 'string'
    ) {
      return 'a problem document without type, title, detail or the response status';
    }
  }
  const allowed = operation?.statuses ?? unmatchedStatuses;
  if (!allowed.has(status))
    return `${status} is not listed for ${operation === undefined ? 'an unmatched path' : `${operation.method} ${operation.path}`}`;
  return undefined;
};

const increment = <K>(counts: Map<K, number>, key: K): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

const exchange = async (apiUrl: string, sent: Sent): Promise<{ status: number; contentType: string; body: string }> => {
  const response = await fetch(`${apiUrl}${sent.path}`, { method: sent.method, headers: sent.headers, body: sent.body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
};

/**
 * One request per operation, one at a time, before the run: each function starts cold once on its
 * own rather than a dozen at once on a busy machine, where an init over Lambda's 10 s limit is a 500.
 */
const warmUp = async (apiUrl: string, operations: readonly Operation[], partner: FuzzPartner | undefined): Promise<void> => {
  for (const operation of operations) {
    const headers: Record<string, string> = partner === undefined ? {} : { Authorization: `Bearer ${partner.key}` };
    const path = operation.path.replaceAll(/\{[^}]+\}/g, randomUUID());
    await exchange(apiUrl, { method: operation.method, path, headers, body: undefined }).catch(() => undefined);
  }
};

/** Runs the fuzzer; the report lists every answer that breaks the contract. */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { apiUrl, partners, seed } = options;
  const documentResponse = await fetch(`${apiUrl}/v1/openapi.json`);
  if (documentResponse.status !== 200) throw new Error(`GET /v1/openapi.json answered ${documentResponse.status}`);
  const operations = operationsOf((await documentResponse.json()) as OpenApiDocument);
  const requests = generateRequests(operations, options.requests, seed);
  await warmUp(apiUrl, operations, partners[0]);
  const ids = await createCases(apiUrl, partners);
  const idempotencyKeys = Array.from({ length: 5 }, () => randomUUID());
  const report: FuzzReport = { seed, sent: 0, byStatus: new Map(), byRoute: new Map(), findings: [] };

  const send = async (request: FuzzRequest, index: number): Promise<void> => {
    const sent = materialize(request, partners, ids, idempotencyKeys);
    const operation = operationAt(operations, sent.method, sent.path.split('?')[0] ?? '');
    let answer: { status: number; contentType: string; body: string };
    try {
      answer = await exchange(apiUrl, sent).catch((error: unknown) => {
        // A kept-alive socket the server closed as it was reused resets before any answer: once more on a new one.
        if (!/ECONNRESET|socket/i.test(String((error as Error).cause ?? error))) throw error;
        return exchange(apiUrl, sent);
      });
    } catch (error) {
      // fetch refuses some generated requests itself (a header it will not send): no answer to check.
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      answer = { status: 0, contentType: '', body: cause };
    }
    report.sent += 1;
    options.onProgress?.(report.sent);
    increment(report.byStatus, answer.status);
    const routeKey = operation === undefined ? 'unmatched' : `${operation.method} ${operation.path}`;
    const byStatus = report.byRoute.get(routeKey) ?? new Map<number, number>();
    report.byRoute.set(routeKey, byStatus);
    increment(byStatus, answer.status);
    if (answer.status === 0) {
      if (!/header|ByteString|invalid/i.test(answer.body)) {
        report.findings.push({
          index,
          reason: `no answer: ${answer.body}`,
          request: describeSent(sent, request.mutation),
          status: 0,
          body: '',
        });
      }
      return;
    }
    const reason = checkAnswer(operation, sent, answer);
    if (reason !== undefined) {
      report.findings.push({
        index,
        reason,
        request: describeSent(sent, request.mutation),
        status: answer.status,
        body: answer.body.slice(0, 1000),
      });
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next;
      next += 1;
      const request = requests[index];
      if (request !== undefined) await send(request, index);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  return report;
}

/** The counts by status and by route, and each finding, as lines to print. */
export const formatReport = (report: FuzzReport): string[] => {
  const statuses = (counts: Map<number, number>) =>
    [...counts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status === 0 ? 'not sent' : status}: ${count}`)
      .join(', ');
  return [
    `Fuzz: seed ${report.seed}, ${report.sent} requests, ${report.findings.length} findings (replay with --seed ${report.seed})`,
    `By status: ${statuses(report.byStatus)}`,
    'By route:',
    ...[...report.byRoute.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, counts]) => `  ${route.padEnd(48)} ${statuses(counts)}`),
    ...report.findings
      .slice(0, 50)
      .map(
        (finding) =>
          `FINDING #${finding.index}: ${finding.reason}\n  request: ${finding.request}\n  answer: ${finding.status} ${finding.body}`
      ),
  ];
};
