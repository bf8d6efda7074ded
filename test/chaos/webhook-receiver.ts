import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/*
 * The partners' webhook receivers in the chaos run: one HTTP server on localhost (the local stage
 * allows http://localhost), one path per registered endpoint. Each request is verified on arrival
 * with `standardwebhooks` and its endpoint's secret, as a partner's receiver would (later the
 * signature's timestamp would be outside the library's five-minute tolerance), and kept with the
 * answer it got and when. An invalid signature is answered 400. A receiver failing now and then
 * is part of the chaos: the first request of about one webhook-id in sixteen (its hash begins with
 * 0, whatever order deliveries come in) is answered 500, so the sender's retry schedule is used.
 */

export interface ReceivedWebhook {
  path: string;
  webhookId: string;
  body: string;
  /** When the request had arrived whole (this machine's clock, as the sender's attempt times are). */
  receivedAt: number;
  /** The status the receiver answered. */
  status: number;
  verified: boolean;
  /** Why verification failed, if it did. */
  rejection?: string;
}

export interface ChaosWebhookReceiver {
  url: (path: string) => string;
  /** The secret a path's requests are verified with, from its registration. */
  trust: (path: string, secret: string) => void;
  received: ReceivedWebhook[];
  /** Requests that were not a POST or carried no webhook-id, as method and path. */
  strays: string[];
  stop: () => Promise<void>;
}

const failsFirst = (webhookId: string): boolean => createHash('sha256').update(webhookId).digest('hex').startsWith('0');

export async function startChaosWebhookReceiver(): Promise<ChaosWebhookReceiver> {
  const secrets = new Map<string, Webhook>();
  const received: ReceivedWebhook[] = [];
  const answeredOnce = new Set<string>();
  const strays: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
      const webhookId = headers['webhook-id'];
      if (request.method !== 'POST' || webhookId === undefined) {
        strays.push(`${request.method} ${path}`);
        response.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedWebhook = { path, webhookId, body, receivedAt: Date.now(), status: 204, verified: false };
      const webhook = secrets.get(path);
      try {
        if (webhook === undefined) throw new Error(`no secret registered for ${path}`);
        webhook.verify(body, headers);
        entry.verified = true;
      } catch (error) {
        entry.rejection = error instanceof Error ? error.message : String(error);
        entry.status = 400;
      }
      const key = `${path} ${webhookId}`;
      if (entry.verified && failsFirst(webhookId) && !answeredOnce.has(key)) entry.status = 500;
      answeredOnce.add(key);
      received.push(entry);
      response.writeHead(entry.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://localhost:${port}${path}`,
    trust: (path, secret) => secrets.set(path, new Webhook(secret)),
    received,
    strays,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
