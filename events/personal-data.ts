import * as z from 'zod/mini';
import { pageCursor } from './page-cursor.ts';
import { caseId, isoDateTime, partnerId, role, text } from './primitives.ts';

/**
 * The personal-data contracts of a case: the record an erasure leaves, the erase request, and the
 * access log of every disclosure (README, "Personal data"). None of them ever holds a personal value.
 */

/** Why a coordinator erases a case; `retention` is the programme's retention rule (the scheduled job) only. */
export const erasureReasons = ['subject_request', 'consent_withdrawn', 'no_longer_needed', 'unlawful_processing', 'other'] as const;
export const erasureRecordReasons = [...erasureReasons, 'retention'] as const;

/** What an erased case keeps of its personal data: when, by whom and why it went. */
export const personalDataErasureSchema = z.object({
  erasedAt: isoDateTime,
  erasedBy: partnerId,
  reason: z.enum(erasureRecordReasons),
});
export type PersonalDataErasure = z.infer<typeof personalDataErasureSchema>;

/** `POST /v1/referrals/{id}/erase` */
export const eraseRequestSchema = z.strictObject({
  reason: z.enum(erasureReasons),
  note: z.optional(text(2000)),
});
export type EraseRequest = z.infer<typeof eraseRequestSchema>;

/** What erasing answers, the first time and every time after. */
export const erasureViewSchema = z.object({
  id: caseId,
  reference: z.string(),
  status: z.string(),
  personalData: personalDataErasureSchema,
});
export type ErasureView = z.infer<typeof erasureViewSchema>;

/**
 * What a partner was shown: the full case (the person), a whole payment or a page of them (the payee's
 * name and account, the purpose), a payment's transfer instructions, a document.
 */
export const disclosedViews = ['case', 'payment', 'payment_list', 'transfer_instructions', 'document'] as const;
export type DisclosedView = (typeof disclosedViews)[number];

/** One disclosure: who saw which view of which case, when; never what they saw. */
export const accessLogEntrySchema = z.object({
  at: isoDateTime,
  caseId,
  partnerId,
  role,
  view: z.enum(disclosedViews),
  paymentId: z.optional(z.string()),
  documentId: z.optional(z.string()),
});
export type AccessLogEntry = z.infer<typeof accessLogEntrySchema>;

export const maxAccessLogPageSize = 200;
export const defaultAccessLogPageSize = 50;

/** `GET /v1/referrals/{id}/access-log` query string. */
export const accessLogQuerySchema = z.strictObject({
  limit: z.optional(
    z
      .pipe(
        z.string().check(z.regex(/^\d{1,4}$/, { error: `must be a whole number from 1 to ${maxAccessLogPageSize}` })),
        z.transform(Number)
      )
      .check(
        z.refine((value) => value >= 1 && value <= maxAccessLogPageSize, {
          error: `must be a whole number from 1 to ${maxAccessLogPageSize}`,
        })
      )
  ),
  cursor: z.optional(pageCursor),
});

/** `GET /v1/referrals/{id}/access-log`: oldest first, as the disclosures happened. */
export const accessLogPageSchema = z.object({
  items: z.array(z.omit(accessLogEntrySchema, { caseId: true })),
  cursor: z.optional(z.string()),
});
export type AccessLogPage = z.infer<typeof accessLogPageSchema>;
