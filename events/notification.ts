import * as z from 'zod/mini';
import { caseItemSchema, caseStatuses } from './case.ts';
import { paymentEventImageSchema } from './domain-events.ts';
import { paymentId, paymentStatus, rejectionCodes, reviewRejectionReasons } from './payment.ts';
import { currencyCode, minorUnits, planCategory } from './plan.ts';
import { caseId, isoDate, isoDateTime, partnerId } from './primitives.ts';

/**
 * Stakeholder notifications: the one message contract of the notifications queue, which the mailer
 * turns into emails. Five producers write it: the case-events consumer (a case changed), the daily
 * reminders job (a plan or visit is overdue), the payment-events consumer (a payment changed), the
 * daily payments digest and the SES feedback consumer (a partner's mailbox fails). A message names its event and one recipient by id and role, with the
 * ids, references, codes, dates and amounts its email says: never personal data (no name, payee,
 * purpose or note) and no address. The mailer looks the recipient's mailboxes and language up when
 * it sends, so an address changed in between is honoured.
 */

/**
 * Every case status is an event when a case enters it; `promoted` is waitlisted → eligible, and
 * `reassigned` an eligible case given to another partner in the country of origin.
 */
export const caseEvents = [...caseStatuses, 'promoted', 'reassigned'] as const;
/** Something the receiving partner should have recorded by now. */
export const reminderEvents = ['plan_overdue', 'visit_overdue'] as const;
/** A payment entered a status someone must act on, or that its requester is told of. */
export const paymentEvents = [
  'payment_awaiting_approval',
  'payment_awaiting_disbursement',
  'payment_approved',
  'payment_rejected',
  'payment_disbursed',
] as const;
export const digestEvents = ['payment_digest'] as const;
/** Something about a partner organisation itself: SES reported one of its mailboxes as failing (functions/ses-feedback.ts). */
export const partnerEvents = ['partner_mailbox_failing'] as const;

/** A partner's webhook endpoint was disabled after five days of failed deliveries (functions/commons/webhook-delivery.ts). */
export const webhookEvents = ['webhook_disabled'] as const;

/** One name per event across every kind, so the recipients table and each language pack have one row per event. */
export const notificationEvents = [
  ...caseEvents,
  ...reminderEvents,
  ...paymentEvents,
  ...digestEvents,
  ...partnerEvents,
  ...webhookEvents,
] as const;
export const notificationEvent = z.enum(notificationEvents);
export type NotificationEvent = z.infer<typeof notificationEvent>;
export type CaseEvent = (typeof caseEvents)[number];
export type ReminderEvent = (typeof reminderEvents)[number];
export type PaymentEvent = (typeof paymentEvents)[number];

export const notificationKinds = ['case', 'reminder', 'payment', 'payment_digest', 'partner', 'webhook'] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** The kind of message an event travels in: it decides the message's fields and the email's link. */
export const kindOfEvent = (event: NotificationEvent): NotificationKind => {
  if ((reminderEvents as readonly string[]).includes(event)) return 'reminder';
  if ((paymentEvents as readonly string[]).includes(event)) return 'payment';
  if ((digestEvents as readonly string[]).includes(event)) return 'payment_digest';
  if ((partnerEvents as readonly string[]).includes(event)) return 'partner';
  if ((webhookEvents as readonly string[]).includes(event)) return 'webhook';
  return 'case';
};

/**
 * - referrer, receiver: the partners named on the case (`referrerId`, `receiverId`)
 * - coordinator: each active partner with the coordinator role (the producer lists them)
 * - requester: the partner that requested a payment (`requestedBy`)
 * - subscriber: the partner that registered a webhook endpoint
 * - finance: the stage's finance mailbox
 */
export const partnerRecipientRoles = ['referrer', 'receiver', 'coordinator', 'requester', 'subscriber'] as const;
export type PartnerRecipientRole = (typeof partnerRecipientRoles)[number];
export const recipientRoles = [...partnerRecipientRoles, 'finance'] as const;
export type RecipientRole = (typeof recipientRoles)[number];

/** A partner organisation (its mailboxes and language are in the partners table) or finance (stage configuration). */
export const recipientSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.enum(partnerRecipientRoles), partnerId }),
  z.strictObject({ role: z.literal('finance') }),
]);
export type Recipient = z.infer<typeof recipientSchema>;

export const notificationId = z.string().check(z.regex(/^[0-9a-f]{64}$/, { error: 'must be a notification id' }));

const caseReference = caseItemSchema.shape.reference;

/** `PLAN` or a monitoring visit's key (`VISIT#002`): with the case, it names the overdue item. */
export const reminderItem = z.string().check(z.regex(/^(PLAN|VISIT#\d{3})$/, { error: 'must be PLAN or a visit key such as VISIT#002' }));

export const caseNotificationSchema = z.strictObject({
  kind: z.literal('case'),
  /** Deterministic: the same change and recipient always give the same id, so a redelivery is recognised. */
  notificationId,
  event: z.enum(caseEvents),
  caseId,
  reference: caseReference,
  /** The case version the change produced. */
  caseVersion: caseItemSchema.shape.version,
  recipient: recipientSchema,
});
export type CaseNotification = z.infer<typeof caseNotificationSchema>;

export const reminderNotificationSchema = z.strictObject({
  kind: z.literal('reminder'),
  /** The same overdue item and recipient always give the same id, whichever run sends it. */
  notificationId,
  event: z.enum(reminderEvents),
  caseId,
  reference: caseReference,
  item: reminderItem,
  dueOn: isoDate,
  recipient: recipientSchema,
});
export type ReminderNotification = z.infer<typeof reminderNotificationSchema>;

export const paymentNotificationSchema = z.strictObject({
  kind: z.literal('payment'),
  /** The same status change of a payment and recipient always give the same id. */
  notificationId,
  event: z.enum(paymentEvents),
  caseId,
  reference: caseReference,
  paymentId,
  category: planCategory,
  amount: minorUnits,
  currency: currencyCode,
  /** Why a rejected payment was rejected, as codes (a reviewer's note never leaves the payment). */
  reasonCode: z.optional(z.enum(rejectionCodes)),
  reviewReason: z.optional(z.enum(reviewRejectionReasons)),
  recipient: recipientSchema,
});
export type PaymentNotification = z.infer<typeof paymentNotificationSchema>;

/** A payment someone still has to act on, as the digest lists it: never its payee or purpose. */
export const openPaymentSchema = z.strictObject({
  id: paymentId,
  caseId,
  caseReference,
  category: planCategory,
  amount: minorUnits,
  currency: currencyCode,
  status: paymentStatus,
  requestedAt: isoDateTime,
});
export type OpenPayment = z.infer<typeof openPaymentSchema>;

/** A queue message holds at most 256 KB: the digest lists the oldest open payments up to this many. */
export const maxDigestPayments = 500;

export const paymentDigestNotificationSchema = z.strictObject({
  kind: z.literal('payment_digest'),
  /** One per day. */
  notificationId,
  event: z.enum(digestEvents),
  day: isoDate,
  /** How many payments are open in all; `open` lists the oldest of them, oldest first. */
  totalOpen: z.int().check(z.minimum(1)),
  open: z.array(openPaymentSchema).check(z.minLength(1), z.maxLength(maxDigestPayments)),
  recipient: z.strictObject({ role: z.literal('finance') }),
});
export type PaymentDigestNotification = z.infer<typeof paymentDigestNotificationSchema>;

/** Why SES reports a mailbox as failing: a permanent bounce or a complaint (functions/domain/mail-feedback.ts). */
export const mailboxFailures = ['bounce', 'complaint'] as const;

/**
 * A partner's mailbox fails: told to the coordinators, who know the partner and can get a working
 * address. It names the partner by id and the kind of failure, never the address.
 */
export const partnerNotificationSchema = z.strictObject({
  kind: z.literal('partner'),
  /** The same failure (partner and the time its mailbox was marked failing) and recipient always give the same id. */
  notificationId,
  event: z.enum(partnerEvents),
  partnerId,
  failure: z.enum(mailboxFailures),
  recipient: recipientSchema,
});
export type PartnerNotification = z.infer<typeof partnerNotificationSchema>;

/** A webhook endpoint disabled: its URL (the partner's own, no personal data) and when. */
export const webhookNotificationSchema = z.strictObject({
  kind: z.literal('webhook'),
  /** One per disabling of an endpoint. */
  notificationId,
  event: z.enum(webhookEvents),
  webhookId: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
  url: z.string().check(z.maxLength(2048)),
  failingSince: isoDateTime,
  recipient: z.strictObject({ role: z.literal('subscriber'), partnerId }),
});
export type WebhookNotification = z.infer<typeof webhookNotificationSchema>;

export const notificationMessageSchema = z.discriminatedUnion('kind', [
  caseNotificationSchema,
  reminderNotificationSchema,
  paymentNotificationSchema,
  paymentDigestNotificationSchema,
  partnerNotificationSchema,
  webhookNotificationSchema,
]);
export type NotificationMessage = z.infer<typeof notificationMessageSchema>;

/**
 * What the case-events consumer reads of a case stream image. Unknown attributes are stripped on
 * parsing, so the person block never reaches the consumer's code. The image is the whole stored
 * item, so it carries the case item's sort key too (its layout: functions/adapters/case-items.ts).
 */
export const caseChangeImageSchema = z.extend(
  z.pick(caseItemSchema, {
    caseId: true,
    reference: true,
    programmeId: true,
    referrerId: true,
    receiverId: true,
    status: true,
    version: true,
  }),
  { sk: z.literal('CASE') }
);
export type CaseChangeImage = z.infer<typeof caseChangeImageSchema>;

/**
 * What payment emails are made from: the payment as the event publisher reads it from the stream
 * (events/domain-events.ts), so the payee, the purpose and the notes never reach the consumer's code.
 */
export const paymentChangeImageSchema = paymentEventImageSchema;
export type PaymentChangeImage = z.infer<typeof paymentChangeImageSchema>;
