import * as z from 'zod/mini';
import { caseItemSchema, caseStatus } from './case.ts';
import { paymentId, paymentItemSchema, paymentStatus, rejectionCodes, reviewRejectionReasons } from './payment.ts';
import { currencyCode, minorUnits, planCategory } from './plan.ts';
import { caseId, partnerId, programmeId } from './primitives.ts';

/**
 * Domain events: the facts the event publisher (functions/publish-events.ts) reads off the cases
 * table's stream and puts on the stage's EventBridge bus, where rules route them to one queue per
 * consumer. An event is small and carries ids, codes, statuses and amounts, never a personal value
 * (no person block, no payee, purpose or note): a consumer that needs more reads the case by id.
 *
 * Each event type is versioned by `version` in its detail: a change that breaks a consumer is a new
 * version, published beside the old one until every consumer reads it. `eventId` is derived from
 * what the event is about (functions/domain/domain-events.ts), so the same change seen twice (a
 * stream record redelivered, an archive replayed) is the same event, and consumers recognise it.
 */

export const eventId = z.string().check(z.regex(/^[0-9a-f]{64}$/, { error: 'must be an event id' }));

const reference = caseItemSchema.shape.reference;
const caseVersion = caseItemSchema.shape.version;
/**
 * Where the change an event is stands in the cases table's stream: its record's sequence number
 * (DynamoDB's `SequenceNumber`, 21 to 40 digits), stamped by the publisher. The changes of one case
 * and its payments (one partition) compare in the order they were made, as numbers; consumers that
 * need that order (partner webhooks, functions/domain/webhook-order.ts) read it. Optional: an event
 * put by other means has none.
 */
export const streamSequence = z.string().check(z.regex(/^\d{1,40}$/, { error: 'must be a stream sequence number' }));
const v1 = { eventId, version: z.literal(1), sequence: z.optional(streamSequence) };

/** What a case event says about the case as it is after the change. */
const caseFacts = {
  caseId,
  reference,
  programmeId,
  referrerId: partnerId,
  /** The receiving partner in the country of origin, once the case was offered to one. */
  receiverId: z.optional(partnerId),
  status: caseStatus,
  /** The case version the change produced (every write of a case increments it). */
  caseVersion,
};

export const referralStatusChangedSchema = z.strictObject({
  ...v1,
  ...caseFacts,
  /** Absent when the change is the case being created (its first status). */
  previousStatus: z.optional(caseStatus),
});

export const referralOfferedSchema = z.strictObject({
  ...v1,
  ...caseFacts,
  receiverId: partnerId,
  /** Absent on the first offer; the partner the case was taken from on a reassignment. */
  previousReceiverId: z.optional(partnerId),
});

export const referralPromotedSchema = z.strictObject({ ...v1, ...caseFacts });

export const referralPlaceReleasedSchema = z.strictObject({ ...v1, caseId, programmeId, caseVersion });

export const paymentStatusChangedSchema = z.strictObject({
  ...v1,
  paymentId,
  caseId,
  reference,
  status: paymentStatus,
  /** Absent when the change is the payment being requested (its first status). */
  previousStatus: z.optional(paymentStatus),
  amount: minorUnits,
  currency: currencyCode,
  category: planCategory,
  /** The partner that requested the payment. */
  requestedBy: partnerId,
  /** Why a rejected payment was rejected, as codes (a reviewer's note never leaves the payment). */
  reasonCode: z.optional(z.enum(rejectionCodes)),
  reviewReason: z.optional(z.enum(reviewRejectionReasons)),
});

/** The `source` of the bus entries: one per aggregate the events are about. */
export const eventSources = { referral: 'trm.referrals', payment: 'trm.payments' } as const;

/**
 * Every event type, by its `detail-type`: its source, its detail's schema, what it says, and what
 * its id is derived from. The catalogue (docs/events.md) is generated from this table.
 */
export const domainEventTypes = {
  'referral.status_changed': {
    source: eventSources.referral,
    schema: referralStatusChangedSchema,
    summary: 'A case entered a status (a new case: its first status).',
    idFrom: ['caseId', 'caseVersion'],
  },
  'referral.offered': {
    source: eventSources.referral,
    schema: referralOfferedSchema,
    summary: 'A case was given to a receiving partner while its status stayed the same (the first offer, or a reassignment).',
    idFrom: ['caseId', 'caseVersion'],
  },
  'referral.promoted': {
    source: eventSources.referral,
    schema: referralPromotedSchema,
    summary: 'A waitlisted case became eligible because an assistance place was free (also a `referral.status_changed`).',
    idFrom: ['caseId', 'caseVersion'],
  },
  'referral.place_released': {
    source: eventSources.referral,
    schema: referralPlaceReleasedSchema,
    summary: "A case gave its programme's assistance place back: the waitlist can move.",
    idFrom: ['caseId', 'caseVersion'],
  },
  'payment.status_changed': {
    source: eventSources.payment,
    schema: paymentStatusChangedSchema,
    summary: 'A payment entered a status (a new payment: `requested`). Each status is entered at most once in a payment’s life.',
    idFrom: ['paymentId', 'status'],
  },
} as const;

export type DomainEventType = keyof typeof domainEventTypes;
export const domainEventTypeNames = Object.keys(domainEventTypes) as DomainEventType[];

export type DomainEventDetail<T extends DomainEventType> = z.infer<(typeof domainEventTypes)[T]['schema']>;

/** One event as the publisher puts it on the bus: its type and its detail. */
export type DomainEvent = { [T in DomainEventType]: { type: T; detail: DomainEventDetail<T> } }[DomainEventType];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/**
 * What a consumer's queue receives: the bus's own envelope around the detail (EventBridge puts the
 * whole event in the message body when a rule targets a queue without an input transformer).
 * Only the fields consumers read are checked; the bus's `id` differs per delivery and is not used.
 */
export const busEnvelopeSchema = z.object({
  'detail-type': z.enum(domainEventTypeNames as [DomainEventType, ...DomainEventType[]]),
  source: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * What the publisher reads of a case item's stream image: unknown attributes (the person block
 * first) are stripped on parsing, so they never reach the mapping.
 */
export const caseEventImageSchema = z.pick(caseItemSchema, {
  caseId: true,
  reference: true,
  programmeId: true,
  referrerId: true,
  receiverId: true,
  status: true,
  version: true,
  assistancePlace: true,
});
export type CaseEventImage = z.infer<typeof caseEventImageSchema>;

/** What the publisher reads of a payment item's stream image: never the payee, purpose or notes. */
export const paymentEventImageSchema = z.pick(paymentItemSchema, {
  paymentId: true,
  caseId: true,
  caseReference: true,
  category: true,
  amount: true,
  currency: true,
  status: true,
  reasonCode: true,
  reviewReason: true,
  requestedBy: true,
});
export type PaymentEventImage = z.infer<typeof paymentEventImageSchema>;
