import * as z from 'zod/mini';
import { isoDateTime, partnerId } from '#events/primitives';
import {
  deliveryAttemptSchema,
  deliveryId,
  deliveryStatuses,
  subscribableTypes,
  webhookId,
  webhookStatuses,
  webhookTypes,
} from '#events/webhooks';

/**
 * The layout of the webhooks table (infra/constructs/data-tables.ts `webhooks`), known here only.
 *
 * | pk | sk | what |
 * |---|---|---|
 * | `PARTNER#<partner>` | `ENDPOINT#<id>` | an endpoint; `activePartition` = `ACTIVE` while it is active (index `activeEndpoints`) |
 * | `ENDPOINT#<id>` | `DELIVERY#<id>` | a delivery of one event to that endpoint, with its attempts; expires 30 days after it is made |
 * | `ENDPOINT#<id>` | `PENDING#<case>#<position>#<delivery>` | a delivery about that case still pending, in order (functions/domain/webhook-order.ts): written with the delivery, removed when it settles |
 *
 * A partner's endpoints are one partition, so another partner's endpoint is simply not found there.
 * Secrets are sealed with the personal-data key, bound to their endpoint (personal-data-cipher.ts).
 */
export const endpointKey = (owner: string, endpointId: string) => ({ pk: `PARTNER#${owner}`, sk: `ENDPOINT#${endpointId}` });
export const endpointsPk = (owner: string) => `PARTNER#${owner}`;
export const deliveryKey = (endpointId: string, id: string) => ({ pk: `ENDPOINT#${endpointId}`, sk: `DELIVERY#${id}` });
export const deliveriesPk = (endpointId: string) => `ENDPOINT#${endpointId}`;
/** The pending deliveries to one endpoint about one case sort by their position under this prefix. */
export const pendingPrefix = (orderKey: string) => `PENDING#${orderKey}#`;
export const pendingKey = (delivery: { endpointId: string; deliveryId: string; orderKey: string; position: string }) => ({
  pk: deliveriesPk(delivery.endpointId),
  sk: `${pendingPrefix(delivery.orderKey)}${delivery.position}#${delivery.deliveryId}`,
});
export const activeEndpointsIndex = 'activeEndpoints';
export const activePartition = 'ACTIVE';
/** Deliveries are kept this long for partners to read, then DynamoDB's TTL removes them. */
export const deliveryRetentionSeconds = 30 * 24 * 60 * 60;
/** The attempts a delivery keeps in its history (the count goes on). */
export const maxHistory = 50;

const sealedSecret = z.string().check(z.minLength(1));

export const endpointItemSchema = z.object({
  endpointId: webhookId,
  partnerId,
  url: z.string(),
  events: z.array(z.enum(subscribableTypes)),
  status: z.enum(webhookStatuses),
  description: z.optional(z.string()),
  createdAt: isoDateTime,
  disabledAt: z.optional(isoDateTime),
  secret: sealedSecret,
  previousSecret: z.optional(sealedSecret),
  previousSecretValidUntil: z.optional(isoDateTime),
  /** The first failed attempt since the last delivered one: five days of that disables the endpoint. */
  failingSince: z.optional(isoDateTime),
  lastDeliveredAt: z.optional(isoDateTime),
});
export type EndpointItem = z.infer<typeof endpointItemSchema>;

export const deliveryItemSchema = z.object({
  deliveryId,
  endpointId: webhookId,
  partnerId,
  eventId: z.string(),
  type: z.enum(webhookTypes),
  /** The body sent, as sent: the same bytes on every attempt. */
  payload: z.string(),
  status: z.enum(deliveryStatuses),
  attempts: z.int(),
  history: z.array(deliveryAttemptSchema),
  lastStatusCode: z.optional(z.int()),
  nextAttemptAt: z.optional(isoDateTime),
  createdAt: isoDateTime,
  /** The attempts made before the latest redelivery: the retry schedule counts from there. */
  retriesFrom: z.optional(z.int()),
  /** The attempt token the next queue message must carry; absent once the delivery is settled. */
  token: z.optional(z.string()),
  /** The case the event is about, and the delivery's place among the endpoint's deliveries about it (both or neither). */
  orderKey: z.optional(z.string()),
  position: z.optional(z.string()),
});
export type DeliveryItem = z.infer<typeof deliveryItemSchema>;

export const endpointItem = (endpoint: EndpointItem) => ({
  ...endpointKey(endpoint.partnerId, endpoint.endpointId),
  ...endpoint,
  ...(endpoint.status === 'active' ? { activePartition } : {}),
});

export const deliveryItem = (delivery: DeliveryItem) => ({
  ...deliveryKey(delivery.endpointId, delivery.deliveryId),
  ...delivery,
  expiresAt: Math.floor(Date.parse(delivery.createdAt) / 1000) + deliveryRetentionSeconds,
});

export type OrderedDelivery = DeliveryItem & { orderKey: string; position: string };

export const isOrdered = (delivery: DeliveryItem): delivery is OrderedDelivery =>
  delivery.orderKey !== undefined && delivery.position !== undefined;

/** A pending delivery's place in its line; it expires with its delivery, should nothing remove it. */
export const pendingItem = (delivery: OrderedDelivery) => ({
  ...pendingKey(delivery),
  deliveryId: delivery.deliveryId,
  position: delivery.position,
  expiresAt: Math.floor(Date.parse(delivery.createdAt) / 1000) + deliveryRetentionSeconds,
});

export const pendingItemSchema = z.object({ deliveryId, position: z.string() });
export type PendingItem = z.infer<typeof pendingItemSchema>;
