import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one request, made with the specification's own library: the
 * same `webhook-id` on every attempt, the attempt's time, and one `v1,` signature per secret that
 * still signs (two during a rotation's overlap, space-separated as the specification allows).
 */
export const signedHeaders = (deliveryId: string, at: Date, body: string, secrets: readonly string[]): Record<string, string> => ({
  'webhook-id': deliveryId,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(deliveryId, at, body)).join(' '),
});
