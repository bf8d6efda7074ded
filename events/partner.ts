import * as z from 'zod/mini';
import { countryCode, partnerId, programmeId, role } from './primitives.ts';

/** A partner record in the partners table. Contact addresses are organisational mailboxes. */
export const partnerItemSchema = z.object({
  partnerId,
  name: z.string(),
  roles: z.array(role).check(z.minLength(1)),
  country: countryCode,
  language: z.string().check(z.regex(/^[a-z]{2}$/)),
  emails: z.array(z.email()).check(z.minLength(1)),
  status: z.enum(['active', 'disabled']),
  keyHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  keyCreatedAt: z.iso.datetime(),
  /**
   * Programmes a receiving partner takes cases for. Without it, the partner is offered every
   * programme's cases returning to its country (functions/domain/offer.ts).
   */
  programmes: z.optional(z.array(programmeId)),
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
