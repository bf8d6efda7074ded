import * as z from 'zod/mini';
import { caseItemSchema, caseStatuses } from './case.ts';
import { caseId, partnerId } from './primitives.ts';

/**
 * Stakeholder notifications: what the case-events consumer reads from the cases stream, and the
 * message it puts on the notifications queue for the mailer. A message names a case, an event and
 * one recipient by id and role: no personal data and no address. The mailer looks the recipient's
 * mailboxes and language up when it sends, so an address changed in between is honoured.
 */

/**
 * Every case status is an event when a case enters it; `promoted` is waitlisted → eligible, and
 * `reassigned` an eligible case given to another partner in the country of origin.
 */
export const notificationEvents = [...caseStatuses, 'promoted', 'reassigned'] as const;
export const notificationEvent = z.enum(notificationEvents);
export type NotificationEvent = z.infer<typeof notificationEvent>;

export const partnerRecipientRoles = ['referrer', 'receiver', 'coordinator'] as const;
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

export const notificationMessageSchema = z.strictObject({
  /** Deterministic: the same change and recipient always give the same id, so a redelivery is recognised. */
  notificationId,
  event: notificationEvent,
  caseId,
  reference: caseItemSchema.shape.reference,
  /** The case version the change produced. */
  caseVersion: caseItemSchema.shape.version,
  recipient: recipientSchema,
});
export type NotificationMessage = z.infer<typeof notificationMessageSchema>;

/**
 * What the case-events consumer reads of a case stream image. Unknown attributes are stripped on
 * parsing, so the person block never reaches the consumer's code.
 */
export const caseChangeImageSchema = z.pick(caseItemSchema, {
  sk: true,
  caseId: true,
  reference: true,
  programmeId: true,
  referrerId: true,
  receiverId: true,
  status: true,
  version: true,
});
export type CaseChangeImage = z.infer<typeof caseChangeImageSchema>;
