import * as z from 'zod/mini';
import { caseId, isoDateTime, partnerId, text } from './primitives.ts';

/**
 * The reintegration plan: a budget per category the programme funds. Each version is an item
 * `CASE#<id>` / `PLAN#<version, 6 digits>`; the case item's `approvedPlanVersion` names the version
 * payments are checked against. Amounts are integer minor units in the plan's ISO 4217 currency.
 */
export const planCategory = z.string().check(z.regex(/^[a-z][a-z_]{1,39}$/, { error: 'must be a category such as medical' }));
export const currencyCode = z.string().check(z.regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code, e.g. EUR' }));
export const minorUnits = z.int().check(z.minimum(1), z.maximum(100_000_000));

export const planItemSchema = z.strictObject({ category: planCategory, amount: minorUnits });

/** `PUT /v1/referrals/{id}/plan` */
export const planRequestSchema = z.strictObject({
  currency: currencyCode,
  items: z.array(planItemSchema).check(z.minLength(1), z.maxLength(20)),
  note: z.optional(text(2000)),
});
export type PlanRequest = z.infer<typeof planRequestSchema>;

export const planStatuses = ['submitted', 'approved', 'returned', 'superseded'] as const;

export const planVersionSchema = z.object({
  caseId,
  version: z.int().check(z.positive()),
  status: z.enum(planStatuses),
  currency: currencyCode,
  items: z.array(planItemSchema),
  draftedAt: isoDateTime,
  draftedBy: partnerId,
  decidedAt: z.optional(isoDateTime),
  decidedBy: z.optional(partnerId),
  /** The case note written with the draft or the decision, if any (the text itself is a note item). */
  noteId: z.optional(z.string()),
});
export type PlanVersion = z.infer<typeof planVersionSchema>;

/** A plan version's id within its case, named by the history's `subject` (the adapters also key it by this). */
export const planItemId = (version: number): string => `PLAN#${String(version).padStart(6, '0')}`;
