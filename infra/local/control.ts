import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ControlHandlers {
  /** What runs: functions, routes, mappings, rules; the bus's rules with what each matched and delivered. */
  describe(): unknown;
  /** The latest invocations, oldest first. */
  invocations(): unknown;
  triggerRule(reference: string): Promise<unknown>;
}

/**
 * The local stack's own endpoint, apart from the API so that it adds no route the template does
 * not have: `GET /` describes what runs, `GET /invocations` lists the latest invocations, and
 * `POST /rules/<rule>/trigger` fires a scheduled rule now.
 */
export async function startControlServer(handlers: ControlHandlers): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body, null, 2));
    };
    const [path = '/'] = (request.url ?? '/').split('?');
    const ruleName = /^\/rules\/([^/]+)\/trigger$/.exec(path)?.[1];
    if (request.method === 'GET' && path === '/') return send(200, handlers.describe());
    if (request.method === 'GET' && path === '/invocations') return send(200, handlers.invocations());
    if (request.method === 'POST' && ruleName !== undefined) {
      handlers
        .triggerRule(decodeURIComponent(ruleName))
        .then((result) => send(200, result))
        .catch((error: unknown) => send(404, { message: error instanceof Error ? error.message : String(error) }));
      return;
    }
    send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
