import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ControlHandlers {
  /** What runs: functions, routes, mappings, rules; the bus's rules with what each matched and delivered. */
  describe(): unknown;
  /** The latest invocations, oldest first. */
  invocations(): unknown;
  triggerRule(reference: string): Promise<unknown>;
  /** Fault injection (faults.ts): what is set and what was injected; set parses the body and throws a client error. */
  faults?: { get(): unknown; set(body: unknown): unknown; clear(): unknown };
  /** Stops an emulator for a while and starts it again with its state. */
  restartEmulator?(name: string, downForMs: number): Promise<unknown>;
}

/** A request the control endpoint refuses, with the status to answer. */
export class ControlRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown
  ) {
    super(message);
  }
}

const DefaultDownForMs = 2_000;

/**
 * The local stack's own endpoint, apart from the API so that it adds no route the template does
 * not have: `GET /` describes what runs, `GET /invocations` lists the latest invocations,
 * `POST /rules/<rule>/trigger` fires a scheduled rule now, `GET`, `PUT` and `DELETE /faults` read,
 * set and clear fault injection, and `POST /emulators/<name>/restart?downForMs=` restarts an emulator.
 */
export async function startControlServer(handlers: ControlHandlers): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body, null, 2));
    };
    const answer = (work: () => Promise<unknown> | unknown, failureStatus = 404): void => {
      Promise.resolve()
        .then(work)
        .then((result) => send(200, result))
        .catch((error: unknown) => {
          if (error instanceof ControlRequestError) return send(error.status, { message: error.message, details: error.details });
          send(failureStatus, { message: error instanceof Error ? error.message : String(error) });
        });
    };
    const url = new URL(request.url ?? '/', 'http://control');
    const path = url.pathname;
    const ruleName = /^\/rules\/([^/]+)\/trigger$/.exec(path)?.[1];
    const emulator = /^\/emulators\/([^/]+)\/restart$/.exec(path)?.[1];
    const { faults, restartEmulator } = handlers;
    if (request.method === 'GET' && path === '/') return send(200, handlers.describe());
    if (request.method === 'GET' && path === '/invocations') return send(200, handlers.invocations());
    if (request.method === 'POST' && ruleName !== undefined) return answer(() => handlers.triggerRule(decodeURIComponent(ruleName)));
    if (path === '/faults' && faults !== undefined) {
      if (request.method === 'GET') return send(200, faults.get());
      if (request.method === 'DELETE') return send(200, faults.clear());
      if (request.method === 'PUT') return answer(async () => faults.set(await jsonBody(request)));
    }
    if (request.method === 'POST' && emulator !== undefined && restartEmulator !== undefined) {
      const downForMs = Number(url.searchParams.get('downForMs') ?? DefaultDownForMs);
      if (!Number.isInteger(downForMs) || downForMs < 0 || downForMs > 600_000) {
        return send(400, { message: 'downForMs must be a whole number of milliseconds, 0 to 600000' });
      }
      return answer(() => restartEmulator(decodeURIComponent(emulator), downForMs), 500);
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

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ControlRequestError(400, 'the body is not JSON');
  }
}
