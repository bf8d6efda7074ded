import * as z from 'zod/mini';
import { countryCode, partnerId, programmeId, role } from './primitives.ts';

const keyHash = z.string().check(z.regex(/^[0-9a-f]{64}$/));

export const partnerChangeActions = [
  'created',
  'key-rotated',
  'disabled',
  'enabled',
  'mailbox-failing',
  'mailbox-cleared',
  'emails-changed',
] as const;

/** One change of a partner record and who made it: the operator's name, or `ses-feedback`. */
export const partnerChangeSchema = z.object({
  action: z.enum(partnerChangeActions),
  by: z.string().check(z.minLength(1), z.maxLength(200)),
  at: z.iso.datetime(),
  /** For a mailbox change, the address concerned (an organisational mailbox, not a person's). */
  address: z.optional(z.email()),
});
export type PartnerChange = z.infer<typeof partnerChangeSchema>;

export const failingMailboxSchema = z.object({
  address: z.email(),
  kind: z.enum(['bounce', 'complaint']),
  since: z.iso.datetime(),
});
export type FailingMailbox = z.infer<typeof failingMailboxSchema>;

/** A partner record in the partners table. Contact addresses are organisational mailboxes. */
export const partnerItemSchema = z.object({
  partnerId,
  name: z.string(),
  roles: z.array(role).check(z.minLength(1)),
  country: countryCode,
  language: z.string().check(z.regex(/^[a-z]{2}$/)),
  emails: z.array(z.email()).check(z.minLength(1)),
  status: z.enum(['active', 'disabled']),
  keyHash,
  keyCreatedAt: z.iso.datetime(),
  /**
   * Programmes a receiving partner takes cases for. Without it, the partner is offered every
   * programme's cases returning to its country (functions/domain/offer.ts).
   */
  programmes: z.optional(z.array(programmeId)),
  /**
   * The key before the last rotation, still accepted until `previousKeyValidUntil` so that the
   * partner can switch without downtime (infra/ops/partner-admin.ts, `rotate-key --overlap`).
   */
  previousKeyHash: z.optional(keyHash),
  previousKeyValidUntil: z.optional(z.iso.datetime()),
  /**
   * Contact addresses SES reported as bouncing or complaining (functions/ses-feedback.ts): the
   * mailer sends nothing more to them until ops clears them (`npm run partner -- clear-mailbox`).
   */
  failingMailboxes: z.optional(z.array(failingMailboxSchema)),
  /** The latest changes of the record, newest first, each with who made it (an operator, or SES feedback). */
  changes: z.optional(z.array(partnerChangeSchema)),
  /** Incremented by every change, which is conditioned on it (functions/adapters/partner-repository.ts). */
  revision: z.optional(z.int().check(z.nonnegative())),
});
export type PartnerItem = z.infer<typeof partnerItemSchema>;

/**
 * What the authorizer hands every route (`requestContext.authorizer.lambda`). HTTP API context
 * values are flat, so roles travel comma-separated. An absent `partnerId` means the key was not recognised.
 */
export const authorizerContextSchema = z.object({
  partnerId: z.optional(partnerId),
  roles: z.optional(z.string()),
  country: z.optional(countryCode),
});
export type AuthorizerContext = z.infer<typeof authorizerContextSchema>;
