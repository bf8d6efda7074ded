import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEndpoints } from './emulators.ts';

/** What the emulators saw of one operation (`dynamodb PutItem`, ...) since the last reset. */
export interface OperationStats {
  count: number;
  /** Time from the request's last byte to the emulator's answer, summed. */
  emulatorMs: number;
  /** Answers with an error, by error type (`ConditionalCheckFailedException`, ...). */
  errors: Record<string, number>;
  /** DynamoDB's own ConsumedCapacity, summed over the answers that carried it. */
  readUnits: number;
  writeUnits: number;
  /** Requests whose answer carried no ConsumedCapacity (refusals). */
  unmetered: number;
  /**
   * What AWS charges for the refused writes, which answer without ConsumedCapacity: one unit for
   * a failed conditional write, two per item of a cancelled transaction (an estimate: items over
   * 1 KB would cost more).
   */
  refusedWriteUnits: number;
}

export interface RequestCounter {
  /** Endpoints that count what passes through them, then forward it to the emulators. */
  endpoints: LocalEndpoints;
  /** `{ 'dynamodb PutItem': 3, ... }` since the last reset. */
  counts(): Record<string, number>;
  stats(): Record<string, OperationStats>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * DynamoDB operations that take `ReturnConsumedCapacity`: the proxy asks for it when the function
 * did not (DynamoDB Local computes the units from the item sizes as AWS does), so the benchmark
 * prices what DynamoDB says it consumed rather than an estimate. An answer with more fields than
 * the function asked for changes nothing for the SDK. DynamoDB Local counts a transaction's items
 * as plain reads and writes (two 100-byte puts in one transaction: 2 units), where AWS charges a
 * transactional request two units per item: the transactions' units are doubled here.
 */
const MeteredOperations: Record<string, 'read' | 'write'> = {
  GetItem: 'read',
  Query: 'read',
  Scan: 'read',
  BatchGetItem: 'read',
  TransactGetItems: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
};

/**
 * A counting proxy in front of each emulator, so `npm run bench` can say how many AWS requests a
 * referral costs, how long the emulators took, which answers were refusals (conditional checks,
 * cancelled transactions) and how many DynamoDB capacity units each operation consumed: each
 * request is named by its operation (`X-Amz-Target` for the JSON protocols, `Action` for SES's
 * query protocol, the path for SES v2).
 */
export async function startRequestCounter(targets: LocalEndpoints): Promise<RequestCounter> {
  let stats: Record<string, OperationStats> = {};
  const statsOf = (name: string): OperationStats => {
    stats[name] ??= { count: 0, emulatorMs: 0, errors: {}, readUnits: 0, writeUnits: 0, unmetered: 0, refusedWriteUnits: 0 };
    return stats[name];
  };
  const proxies = await Promise.all(
    (Object.entries(targets) as [keyof LocalEndpoints, string][]).map(async ([service, target]) => {
      const server = createServer((req, res) => void forward(service, new URL(target), req, res, statsOf));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return [service, server] as const;
    })
  );
  const endpoint = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const byService = Object.fromEntries(proxies.map(([service, server]) => [service, endpoint(server)])) as unknown as LocalEndpoints;
  return {
    endpoints: byService,
    counts: () => Object.fromEntries(Object.entries(stats).map(([name, { count }]) => [name, count])),
    stats: () => structuredClone(stats),
    reset: () => {
      stats = {};
    },
    close: async () => {
      await Promise.all(
        proxies.map(
          ([, server]) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            })
        )
      );
    },
  };
}

async function forward(
  service: string,
  target: URL,
  req: IncomingMessage,
  res: ServerResponse,
  statsOf: (name: string) => OperationStats
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const operation = operationOf(req, Buffer.concat(chunks));
  const stats = statsOf(`${service} ${operation}`);
  stats.count += 1;
  const metered = service === 'dynamodb' ? MeteredOperations[operation] : undefined;
  const body = metered === undefined ? Buffer.concat(chunks) : withConsumedCapacity(Buffer.concat(chunks));
  const { 'transfer-encoding': _sent, ...requestHeaders } = req.headers;
  const headers = { ...requestHeaders, host: target.host, 'content-length': String(body.length) };
  const sent = performance.now();
  const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (response) => {
    const answer: Buffer[] = [];
    response.on('data', (chunk: Buffer) => answer.push(chunk));
    response.on('end', () => {
      stats.emulatorMs += performance.now() - sent;
      const text = Buffer.concat(answer);
      const status = response.statusCode ?? 502;
      if (status >= 400) {
        const type = errorTypeOf(response, text) ?? `HTTP ${status}`;
        stats.errors[type] = (stats.errors[type] ?? 0) + 1;
        if (metered === 'write') stats.refusedWriteUnits += refusedUnits(operation, body);
      }
      if (metered !== undefined) addUnits(stats, metered, operation.startsWith('Transact'), status < 400 ? text : undefined);
      const { 'transfer-encoding': _received, ...responseHeaders } = response.headers;
      res.writeHead(status, { ...responseHeaders, 'content-length': String(text.length) });
      res.end(text);
    });
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  upstream.end(body);
}

function withConsumedCapacity(body: Buffer): Buffer {
  try {
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    if (request.ReturnConsumedCapacity === undefined || request.ReturnConsumedCapacity === 'NONE') {
      request.ReturnConsumedCapacity = 'TOTAL';
    }
    return Buffer.from(JSON.stringify(request));
  } catch {
    return body;
  }
}

function addUnits(stats: OperationStats, kind: 'read' | 'write', transactional: boolean, answer: Buffer | undefined): void {
  let consumed: unknown;
  try {
    consumed = answer === undefined ? undefined : (JSON.parse(answer.toString('utf8')) as { ConsumedCapacity?: unknown }).ConsumedCapacity;
  } catch {
    consumed = undefined;
  }
  const entries = (Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed]) as Array<{ CapacityUnits?: number }>;
  const units = entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0) * (transactional ? 2 : 1);
  if (entries.length === 0) stats.unmetered += 1;
  if (kind === 'read') stats.readUnits += units;
  else stats.writeUnits += units;
}

function refusedUnits(operation: string, body: Buffer): number {
  if (operation !== 'TransactWriteItems') return 1;
  try {
    return 2 * ((JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems?.length ?? 1);
  } catch {
    return 2;
  }
}

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` → `ConditionalCheckFailedException`. */
function errorTypeOf(response: IncomingMessage, body: Buffer): string | undefined {
  const header = response.headers['x-amzn-errortype'];
  let type = typeof header === 'string' ? header : undefined;
  if (type === undefined) {
    try {
      type = (JSON.parse(body.toString('utf8')) as { __type?: string }).__type;
    } catch {
      type = /<Code>([^<]+)<\/Code>/.exec(body.toString('utf8'))?.[1];
    }
  }
  return type?.split('#').pop()?.split(':')[0];
}

function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  if (action !== null) return action;
  return `${req.method} ${(req.url ?? '/').split('?')[0]}`;
}
