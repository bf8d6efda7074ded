import { randomBytes } from 'node:crypto';
import { derivedUuid } from './derived-ids.ts';

/**
 * Identifiers of webhooks. A delivery's id (the `webhook-id` header) is derived from the event and
 * the endpoint, so an event handled twice makes the same delivery, which is written once
 * (a conditional put, functions/adapters/webhook-repository.ts), and a retry carries the same id.
 * It is shaped as a UUID (version 8, RFC 9562) like every other id of the API.
 */
export const deliveryIdOf = (eventId: string, endpointId: string): string => derivedUuid('webhook-delivery', eventId, endpointId);

/** A signing secret as the Standard Webhooks libraries take it: `whsec_` and 24 random bytes in base64. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

/** A ping stands for no domain event: it gets an id of the same shape, at random. */
export const newPingEventId = (): string => randomBytes(32).toString('hex');
