import * as z from 'zod/mini';
import { caseItemSchema, caseNoteSchema, eligibilitySchema, historyEntrySchema } from './case.ts';
import { planSummarySchema, visitViewSchema } from './lifecycle.ts';

/**
 * What the referral routes answer. The domain's view functions are typed with these, so the
 * published contract and the responses cannot drift apart.
 */
const item = caseItemSchema.shape;

export const referralSummarySchema = z.object({
  id: item.caseId,
  reference: item.reference,
  status: item.status,
  programmeId: item.programmeId,
  hostCountry: item.hostCountry,
  originCountry: item.originCountry,
  createdAt: item.createdAt,
});

export const referralListItemSchema = z.extend(referralSummarySchema, { updatedAt: item.updatedAt });

export const referralPageSchema = z.object({
  items: z.array(referralListItemSchema),
  /** Present when there are more cases: pass it back as `cursor` for the next page. */
  cursor: z.optional(z.string()),
});

const historyViewSchema = z.omit(historyEntrySchema, { noteId: true });

export const financeViewSchema = z.extend(referralListItemSchema, {
  /** Present once the case's personal data is erased: when, by whom and why (and `person` is absent). */
  personalData: item.personalData,
  receiverId: item.receiverId,
  plan: z.optional(planSummarySchema),
  history: z.array(historyViewSchema),
});

export const referralViewSchema = z.extend(referralListItemSchema, {
  destinationLocality: item.destinationLocality,
  person: item.person,
  personalData: item.personalData,
  victimStatus: item.victimStatus,
  consent: item.consent,
  minor: item.minor,
  riskAssessment: item.riskAssessment,
  needs: item.needs,
  accompanyingChildren: item.accompanyingChildren,
  referrerId: item.referrerId,
  receiverId: item.receiverId,
  eligibility: z.optional(
    z.object({
      outcome: eligibilitySchema.shape.outcome,
      reasons: eligibilitySchema.shape.reasons,
      explanations: z.array(z.object({ code: z.string(), en: z.string(), fr: z.string() })),
      decidedAt: eligibilitySchema.shape.decidedAt,
      decidedBy: eligibilitySchema.shape.decidedBy,
      note: z.optional(z.string()),
    })
  ),
  departure: item.departure,
  arrival: item.arrival,
  plan: z.optional(planSummarySchema),
  visits: z.array(visitViewSchema),
  closure: item.closure,
  history: z.array(historyViewSchema),
  notes: z.array(z.omit(caseNoteSchema, { action: true })),
});

export type ReferralSummary = z.infer<typeof referralSummarySchema>;
export type ReferralListItem = z.infer<typeof referralListItemSchema>;
export type FinanceView = z.infer<typeof financeViewSchema>;
export type ReferralView = z.infer<typeof referralViewSchema>;
