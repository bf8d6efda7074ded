import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A partner's receiver on this machine, as the local stage allows (`http://localhost`). Each path
 * behaves as its name says: `/ok...` answers 204, `/flaky...` 500 to the first request of each
 * webhook-id then 204, `/silent...` never answers, `/redirect...` answers 302. Every request is kept.
 */
export interface ReceivedRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: (path: string) => string;
  requests: ReceivedRequest[];
  to: (path: string) => ReceivedRequest[];
  stop: () => Promise<void>;
}

export const startWebhookReceiver = async (): Promise<WebhookReceiver> => {
  const requests: ReceivedRequest[] = [];
  const seen = new Set<string>();
  const answer = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const path = request.url ?? '/';
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    requests.push({ path, method: request.method ?? '', headers, body, at: Date.now() });
    if (path.startsWith('/silent')) return;
    if (path.startsWith('/redirect')) {
      response.writeHead(302, { location: 'http://localhost/elsewhere' }).end();
      return;
    }
    const id = headers['webhook-id'] ?? '';
    if (path.startsWith('/flaky') && request.method === 'POST' && !seen.has(id)) {
      seen.add(id);
      response.writeHead(500).end();
      return;
    }
    response.writeHead(204).end();
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => answer(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://localhost:${port}${path}`,
    requests,
    to: (path) => requests.filter((request) => request.path === path && request.method === 'POST'),
    stop: async () => {
      // The silent path's requests are still open: end them so the server can close.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
