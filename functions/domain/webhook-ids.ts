import { createHash, randomBytes } from 'node:crypto';

/**
 * Identifiers of webhooks. A delivery's id (the `webhook-id` header) is derived from the event and
 * the endpoint, so an event handled twice makes the same delivery, which is written once
 * (a conditional put, functions/adapters/webhook-repository.ts), and a retry carries the same id.
 * It is shaped as a UUID (version 8, RFC 9562) like every other id of the API.
 */
export const deliveryIdOf = (eventId: string, endpointId: string): string => {
  const hex = createHash('sha256').update(`webhook-delivery:${eventId}:${endpointId}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** A signing secret as the Standard Webhooks libraries take it: `whsec_` and 24 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** A ping stands for no domain event: it gets an id of the same shape, at random. */
export const newPingEventId = (): string => randomBytes(32).toString('hex');
