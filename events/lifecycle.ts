import * as z from 'zod/mini';
import { planVersionSchema } from './plan.ts';
import { caseId, isoDate, isoDateTime, partnerId, text } from './primitives.ts';

/**
 * The bodies of the lifecycle routes (their table: events/routes.ts) and what the case keeps
 * of each step. Free text (`note`) never goes into these records: it is stored as a case note.
 */

const note = z.optional(text(2000));

/** `POST /v1/referrals/{id}/accept`, `.../plan/approve`, `.../reopen` */
export const noteOnlyRequestSchema = z.strictObject({ note });
export type NoteOnlyRequest = z.infer<typeof noteOnlyRequestSchema>;

export const declineReasons = ['no_capacity', 'unsafe_destination', 'outside_area', 'other'] as const;

/** `POST /v1/referrals/{id}/decline` */
export const declineRequestSchema = z.strictObject({ reason: z.enum(declineReasons), note });
export type DeclineRequest = z.infer<typeof declineRequestSchema>;

/** `POST /v1/referrals/{id}/reassign` (coordinator): offer the case to another receiving partner. */
export const reassignRequestSchema = z.strictObject({ receiverId: partnerId, note });
export type ReassignRequest = z.infer<typeof reassignRequestSchema>;

/** `POST /v1/referrals/{id}/departure`: `departedOn` marks the case `departed`. */
export const departureRequestSchema = z
  .strictObject({
    plannedOn: z.optional(isoDate),
    departedOn: z.optional(isoDate),
    escorted: z.optional(z.boolean()),
  })
  .check(
    z.refine((body) => body.plannedOn !== undefined || body.departedOn !== undefined || body.escorted !== undefined, {
      error: 'must name at least one of plannedOn, departedOn, escorted',
    })
  );
export type DepartureRequest = z.infer<typeof departureRequestSchema>;

export const receptionServices = ['airport_reception', 'accommodation', 'medical_checkup', 'onward_transport'] as const;
export const receptionServiceSchema = z.strictObject({ service: z.enum(receptionServices), providedOn: isoDate });
export type ReceptionService = z.infer<typeof receptionServiceSchema>;

/** `POST /v1/referrals/{id}/arrival` */
export const arrivalRequestSchema = z.strictObject({
  arrivedOn: isoDate,
  reception: z.array(receptionServiceSchema).check(z.maxLength(20)),
});
export type ArrivalRequest = z.infer<typeof arrivalRequestSchema>;

/** `POST /v1/referrals/{id}/plan/return`: the coordinator says why, so the note is required. */
export const returnPlanRequestSchema = z.strictObject({ note: text(2000) });
export type ReturnPlanRequest = z.infer<typeof returnPlanRequestSchema>;

export const visitOutcomes = ['on_track', 'needs_support', 'at_risk', 'lost_contact'] as const;

/** `POST /v1/referrals/{id}/monitoring-visits` */
export const visitRequestSchema = z.strictObject({ visitedOn: isoDate, outcome: z.enum(visitOutcomes), note });
export type VisitRequest = z.infer<typeof visitRequestSchema>;

export const exitReasons = ['completed', 'lost_contact', 're_migrated', 'deceased', 'transferred', 'other'] as const;

/** `POST /v1/referrals/{id}/close` */
export const closeRequestSchema = z.strictObject({ exitReason: z.enum(exitReasons), note });
export type CloseRequest = z.infer<typeof closeRequestSchema>;

/* What the case item keeps of each step (attributes of `CASE#<id>` / `CASE`). */

export const departureRecordSchema = z.object({
  plannedOn: z.optional(isoDate),
  departedOn: z.optional(isoDate),
  escorted: z.optional(z.boolean()),
});
export type DepartureRecord = z.infer<typeof departureRecordSchema>;

export const arrivalRecordSchema = z.object({
  arrivedOn: isoDate,
  reception: z.array(z.object({ service: z.enum(receptionServices), providedOn: isoDate })),
});
export type ArrivalRecord = z.infer<typeof arrivalRecordSchema>;

/**
 * A monitoring visit: `CASE#<id>` / `VISIT#<3 digits>`. Scheduled visits are written on arrival
 * with their due date; recording a visit fills the earliest one still open, and a visit beyond the
 * schedule is added unscheduled (without `dueOn`).
 */
export const monitoringVisitSchema = z.object({
  caseId,
  number: z.int().check(z.positive()),
  dueOn: z.optional(isoDate),
  visitedOn: z.optional(isoDate),
  outcome: z.optional(z.enum(visitOutcomes)),
  recordedAt: z.optional(isoDateTime),
  recordedBy: z.optional(partnerId),
  noteId: z.optional(z.string()),
});
export type MonitoringVisit = z.infer<typeof monitoringVisitSchema>;

/** A visit's id within its case, named by the history's `subject` and the reminders (the adapters also key it by this). */
export const visitItemId = (number: number): string => `VISIT#${String(number).padStart(3, '0')}`;

/** What the plan routes answer: the version acted on, and where the case's plan stands. */
export const planResponseSchema = z.extend(z.omit(planVersionSchema, { noteId: true }), {
  approvedVersion: z.optional(z.int()),
  dueOn: z.optional(isoDate),
  /** No plan approved and the programme's deadline after arrival has passed. */
  overdue: z.boolean(),
});
export type PlanResponse = z.infer<typeof planResponseSchema>;

/** What the monitoring-visit route answers, and each visit in the case view. */
export const visitViewSchema = z.extend(z.omit(monitoringVisitSchema, { caseId: true, noteId: true }), {
  /** Scheduled, not recorded, and its due date has passed. */
  overdue: z.boolean(),
});
export type VisitView = z.infer<typeof visitViewSchema>;

/** Where a case's plan stands, in the case view (finance included: it is what payments are checked against). */
export const planSummarySchema = z.object({
  dueOn: z.optional(isoDate),
  overdue: z.boolean(),
  approvedVersion: z.optional(z.int()),
  versions: z.array(z.omit(planVersionSchema, { noteId: true })),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;
