import * as z from 'zod/mini';
import { arrivalRecordSchema, departureRecordSchema, exitReasons } from './lifecycle.ts';
import { personalDataErasureSchema } from './personal-data.ts';
import { planStatuses } from './plan.ts';
import { caseId, countryCode, isoDate, isoDateTime, partnerId, programmeId } from './primitives.ts';
import { reasonCodes } from './reason-codes.ts';
import { consentGivers, needs, personSchema, referralRequestSchema } from './referral.ts';
import { withdrawalReasons } from './withdrawal.ts';

/**
 * The case as stream consumers see it (`NewImage`, unmarshalled) and as the case repository answers
 * it; its keys in the table are the adapters' business (functions/adapters/case-items.ts). The
 * person's data lives only in `person`; every other attribute is safe to reference in logs by id.
 */

/** Until the person leaves: the referral can still be withdrawn. */
export const statusesBeforeDeparture = [
  'submitted',
  'needs_review',
  'eligible',
  'ineligible',
  'waitlisted',
  'accepted',
  'declined',
] as const;
/** From arrival until closure: the reintegration and monitoring period. */
export const statusesAfterArrival = ['arrived', 'reintegrating', 'monitoring'] as const;
export const caseStatuses = [...statusesBeforeDeparture, 'departed', ...statusesAfterArrival, 'closed', 'withdrawn'] as const;
export const caseStatus = z.enum(caseStatuses);
export type CaseStatus = z.infer<typeof caseStatus>;

const requestShape = referralRequestSchema.shape;

/**
 * Consent as a record: what was consented to, when, by whom, and its withdrawal. The booleans keep
 * the names of the request so a referral reads back as it was sent.
 */
export const consentRecordSchema = z.object({
  voluntaryReturn: z.boolean(),
  dataSharing: z.boolean(),
  givenOn: isoDate,
  givenBy: z.enum(consentGivers),
  withdrawnOn: z.optional(isoDate),
  withdrawnBy: z.optional(partnerId),
  withdrawalReason: z.optional(z.enum(withdrawalReasons)),
});
export type ConsentRecord = z.infer<typeof consentRecordSchema>;

export const reasonCode = z.enum(reasonCodes);

/** The latest eligibility decision. `decidedBy` is `system` for the engine, a partner id for a coordinator. */
export const eligibilitySchema = z.object({
  outcome: z.enum(['eligible', 'ineligible', 'needs_review', 'waitlisted']),
  reasons: z.array(reasonCode),
  decidedAt: isoDateTime,
  decidedBy: partnerId,
  note: z.optional(z.string()),
});
export type Eligibility = z.infer<typeof eligibilitySchema>;

/** The coordinator's closure of a case; kept (with when it was reopened) after reopening. */
export const closureRecordSchema = z.object({
  exitReason: z.enum(exitReasons),
  closedAt: isoDateTime,
  closedBy: partnerId,
  /** Where reopening takes the case back to. */
  statusBeforeClosure: caseStatus,
  reopenedAt: z.optional(isoDateTime),
  reopenedBy: z.optional(partnerId),
});
export type ClosureRecord = z.infer<typeof closureRecordSchema>;

export const caseItemSchema = z.object({
  caseId,
  reference: z.string().check(z.regex(/^[A-Z][A-Z0-9_]{1,15}-[A-Z]{2}-\d{6}$/)),
  programmeId,
  hostCountry: countryCode,
  originCountry: countryCode,
  destinationLocality: z.optional(z.string()),
  referrerId: partnerId,
  receiverId: z.optional(partnerId),
  status: caseStatus,
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
  version: z.int().check(z.positive()),
  submittedOn: isoDate,
  minorAtSubmission: z.boolean(),
  victimStatus: requestShape.victimStatus,
  consent: consentRecordSchema,
  minor: requestShape.minor,
  riskAssessment: requestShape.riskAssessment,
  needs: z.array(z.enum(needs)),
  accompanyingChildren: z.int(),
  /** Absent once the case's personal data is erased (`personalData` says when, by whom and why). */
  person: z.optional(personSchema),
  personalData: z.optional(personalDataErasureSchema),
  eligibility: z.optional(eligibilitySchema),
  /** Counted against the programme's assessment cap (once, never given back). */
  assessmentPlace: z.optional(z.boolean()),
  /** Holds one of the programme's assistance places now. */
  assistancePlace: z.optional(z.boolean()),
  // The lifecycle after eligibility (functions/domain/case-lifecycle.ts and its deciders).
  departure: z.optional(departureRecordSchema),
  arrival: z.optional(arrivalRecordSchema),
  /** The last day to have a reintegration plan approved: arrival plus the programme's deadline. */
  planDueOn: z.optional(isoDate),
  /** The latest plan version drafted (`PLAN#<version>`) and its status. */
  planVersion: z.optional(z.int().check(z.positive())),
  planStatus: z.optional(z.enum(planStatuses)),
  /** The plan version payments are checked against (events/plan.ts). */
  approvedPlanVersion: z.optional(z.int().check(z.positive())),
  /** Monitoring visits written so far (`VISIT#001` ...): the next one is `visitCount + 1`. */
  visitCount: z.optional(z.int().check(z.minimum(0))),
  closure: z.optional(closureRecordSchema),
});
export type CaseItem = z.infer<typeof caseItemSchema>;

export const historyEntrySchema = z.object({
  at: isoDateTime,
  by: partnerId,
  action: z.string(),
  fromStatus: z.optional(caseStatus),
  toStatus: z.optional(caseStatus),
  reason: z.optional(z.string()),
  /** Eligibility reason codes of a decision. */
  reasons: z.optional(z.array(reasonCode)),
  /** What the action was about, by key or id: a plan version (`PLAN#000002`), a visit (`VISIT#001`), the receiver offered the case. */
  subject: z.optional(z.string()),
  /** Set when the actor wrote a note; the note itself is kept apart from the history (it is free text). */
  noteId: z.optional(z.string()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** Free text an actor wrote about a change. Kept beside the history, shown only to full-view callers. */
export const caseNoteSchema = z.object({
  id: z.string(),
  at: isoDateTime,
  by: partnerId,
  action: z.string(),
  /** Absent once the case's personal data is erased: the note's who, when and why stay. */
  text: z.optional(z.string()),
});
export type CaseNote = z.infer<typeof caseNoteSchema>;
