import * as z from 'zod/mini';
import { eventId, paymentStatusChangedSchema, referralOfferedSchema, referralStatusChangedSchema } from './domain-events.ts';
import { pageCursor } from './page-cursor.ts';
import { isoDateTime } from './primitives.ts';

/**
 * Partner webhooks: what a partner registers, what it reads back, and what each delivery carries
 * (README, "Webhooks for integrators"). The payloads are picked from the domain events
 * (events/domain-events.ts): ids, reference, statuses, codes and amounts, never a personal value,
 * and never a partner id the recipient has no business knowing.
 */

/** The domain events a partner may subscribe to; `ping` is sent on request only. */
export const subscribableTypes = ['referral.status_changed', 'referral.offered', 'payment.status_changed'] as const;
export type SubscribableType = (typeof subscribableTypes)[number];
export const webhookTypes = [...subscribableTypes, 'ping'] as const;
export type WebhookType = (typeof webhookTypes)[number];

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const webhookId = z.string().check(z.regex(uuidPattern, { error: 'must be a webhook id' }));
/** The `webhook-id` header: one per event and endpoint, the same on every retry (derived, not random). */
export const deliveryId = z.string().check(z.regex(uuidPattern, { error: 'must be a delivery id' }));

/** How long a URL may be: long enough for any receiver, short enough to bound what is stored and logged. */
export const maxWebhookUrlLength = 2048;
/** How many endpoints one partner may register. */
export const maxEndpointsPerPartner = 10;

export const webhookRegistrationSchema = z.strictObject({
  url: z.string().check(z.minLength(1), z.maxLength(maxWebhookUrlLength)),
  events: z.array(z.enum(subscribableTypes)).check(
    z.minLength(1),
    z.refine((types) => new Set(types).size === types.length, { error: 'must not name an event twice' })
  ),
  description: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
});
export type WebhookRegistration = z.infer<typeof webhookRegistrationSchema>;

export const webhookStatuses = ['active', 'disabled'] as const;

export const webhookViewSchema = z.strictObject({
  id: webhookId,
  url: z.string(),
  events: z.array(z.enum(subscribableTypes)),
  status: z.enum(webhookStatuses),
  description: z.optional(z.string()),
  createdAt: isoDateTime,
  /** When the endpoint was disabled (five days of nothing but failed attempts). */
  disabledAt: z.optional(isoDateTime),
});
export type WebhookView = z.infer<typeof webhookViewSchema>;

/** The signing secret (`whsec_` and 24 random bytes in base64), shown on registration and rotation only. */
export const webhookSecret = z.string().check(z.regex(/^whsec_[A-Za-z0-9+/]{32}$/));

export const webhookCreatedSchema = z.extend(webhookViewSchema, { secret: webhookSecret });
export type WebhookCreated = z.infer<typeof webhookCreatedSchema>;

export const webhookListSchema = z.strictObject({ items: z.array(webhookViewSchema) });

export const secretRotatedSchema = z.strictObject({
  id: webhookId,
  secret: webhookSecret,
  /** Until then each request carries a signature with the previous secret too. */
  previousSecretValidUntil: isoDateTime,
});

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveryAttemptSchema = z.strictObject({
  at: isoDateTime,
  /** The receiver's HTTP status; absent when there was no answer (timeout, refused, unsafe address). */
  statusCode: z.optional(z.int()),
  /** Why there was no 2xx, as a code: `timeout`, `connection`, `unsafe_address`, `status`, `redirect`, `endpoint_disabled`. */
  outcome: z.enum(['delivered', 'status', 'redirect', 'timeout', 'connection', 'unsafe_address', 'endpoint_disabled']),
  durationMs: z.int(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const deliveryViewSchema = z.strictObject({
  id: deliveryId,
  eventId: z.string(),
  type: z.enum(webhookTypes),
  status: z.enum(deliveryStatuses),
  attempts: z.int(),
  lastStatusCode: z.optional(z.int()),
  nextAttemptAt: z.optional(isoDateTime),
  createdAt: isoDateTime,
  /** Each attempt, oldest first (the latest 50). */
  history: z.array(deliveryAttemptSchema),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

export const maxDeliveryPageSize = 200;
export const defaultDeliveryPageSize = 50;

export const deliveriesQuerySchema = z.strictObject({
  limit: z.optional(
    z
      .pipe(
        z.string().check(z.regex(/^\d{1,4}$/, { error: `must be a whole number from 1 to ${maxDeliveryPageSize}` })),
        z.transform(Number)
      )
      .check(
        z.refine((value) => value >= 1 && value <= maxDeliveryPageSize, {
          error: `must be a whole number from 1 to ${maxDeliveryPageSize}`,
        })
      )
  ),
  cursor: z.optional(pageCursor),
});

export const deliveryPageSchema = z.strictObject({ items: z.array(deliveryViewSchema), cursor: z.optional(z.string()) });

/** What each type's `data` holds: picked from its domain event, so a field cannot appear here that the event lacks. */
export const webhookDataSchemas = {
  'referral.status_changed': z.pick(referralStatusChangedSchema, {
    caseId: true,
    reference: true,
    programmeId: true,
    status: true,
    previousStatus: true,
    caseVersion: true,
  }),
  'referral.offered': z.pick(referralOfferedSchema, {
    caseId: true,
    reference: true,
    programmeId: true,
    status: true,
    receiverId: true,
    caseVersion: true,
  }),
  'payment.status_changed': z.pick(paymentStatusChangedSchema, {
    paymentId: true,
    caseId: true,
    reference: true,
    status: true,
    previousStatus: true,
    amount: true,
    currency: true,
    category: true,
    reasonCode: true,
    reviewReason: true,
  }),
  ping: z.strictObject({ webhookId }),
} as const satisfies Record<WebhookType, z.ZodMiniType>;

export type WebhookData<T extends WebhookType> = z.infer<(typeof webhookDataSchemas)[T]>;

/** The body of one delivery: `id` is the domain event's id (the same for every endpoint), `webhook-id` the delivery's. */
export const webhookPayloadSchema = <T extends WebhookType>(type: T) =>
  z.strictObject({ id: eventId, type: z.literal(type), occurredAt: isoDateTime, data: webhookDataSchemas[type] });

export type WebhookPayload = { [T in WebhookType]: { id: string; type: T; occurredAt: string; data: WebhookData<T> } }[WebhookType];

/**
 * A message of the webhook delivery queue: one delivery's next attempt. `token` is the delivery's
 * current attempt token: a message whose token the delivery no longer holds (a duplicate, or one a
 * redelivery replaced) does nothing. `notBefore` is when the attempt is due; SQS delays a message
 * 15 minutes at most, so a longer wait is taken in several delayed messages.
 */
export const webhookDeliveryMessageSchema = z.strictObject({
  deliveryId,
  endpointId: webhookId,
  partnerId: z.string(),
  token: z.string().check(z.minLength(1), z.maxLength(64)),
  /**
   * A retry's: the token of the attempt it follows. The retry is queued before that attempt is
   * recorded (a crash in between repeats the attempt rather than losing it), so it may arrive while
   * the delivery still holds this token: it waits for the record instead of being taken for stale.
   */
  after: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  notBefore: isoDateTime,
  /**
   * The case the event is about, when the attempt waits its turn among the endpoint's deliveries
   * about that case (README "Webhooks for integrators"); a ping's and a redelivery's go at once.
   */
  orderKey: z.optional(z.string()),
});
export type WebhookDeliveryMessage = z.infer<typeof webhookDeliveryMessageSchema>;
