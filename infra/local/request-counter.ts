import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEndpoints } from './emulators.ts';

export interface RequestCounter {
  /** Endpoints that count what passes through them, then forward it to the emulators. */
  endpoints: LocalEndpoints;
  /** `{ 'dynamodb PutItem': 3, ... }` since the last reset. */
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

/**
 * A counting proxy in front of each emulator, so `npm run bench` can say how many AWS requests a
 * referral costs: each request is named by its operation (`X-Amz-Target` for the JSON protocols,
 * `Action` for SES's query protocol, the path for SES v2).
 */
export async function startRequestCounter(targets: LocalEndpoints): Promise<RequestCounter> {
  let counts: Record<string, number> = {};
  const count = (name: string): void => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const proxies = await Promise.all(
    (Object.entries(targets) as [keyof LocalEndpoints, string][]).map(async ([service, target]) => {
      const server = createServer((req, res) => void forward(service, new URL(target), req, res, count));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return [service, server] as const;
    })
  );
  const endpoint = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const byService = Object.fromEntries(proxies.map(([service, server]) => [service, endpoint(server)])) as unknown as LocalEndpoints;
  return {
    endpoints: byService,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
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
  count: (name: string) => void
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  count(`${service} ${operationOf(req, body)}`);
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    }
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  upstream.end(body);
}

function operationOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop() ?? target;
  const action = new URLSearchParams(body.toString('utf8')).get('Action');
  if (action !== null) return action;
  return `${req.method} ${(req.url ?? '/').split('?')[0]}`;
}
