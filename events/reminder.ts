import * as z from 'zod/mini';
import { caseId, isoDate, isoDateTime, partnerId, programmeId } from './primitives.ts';

/**
 * A reminder put on the notifications queue by the daily reminders job, for the mailer to turn into
 * an email in the recipient's language.
 *
 * PROVISIONAL (merge point): the notifications work defines the queue's message contract in
 * `events/notification.ts`; this is the minimum the lifecycle needs to say, to be folded into that
 * contract at merge. It carries ids, the case reference, dates of the schedule and codes only:
 * never anything about the person.
 */
export const reminderEvents = ['plan_overdue', 'visit_overdue'] as const;

export const reminderRecipientSchema = z.union([
  z.object({ kind: z.literal('partner'), partnerId }),
  /** Every active coordinator of the programme: the mailer resolves the addresses. */
  z.object({ kind: z.literal('role'), role: z.literal('coordinator') }),
]);
export type ReminderRecipient = z.infer<typeof reminderRecipientSchema>;

export const reminderMessageSchema = z.object({
  /** Deterministic: the same overdue item for the same recipient always has the same id, so a consumer can drop a repeat. */
  id: z.string(),
  type: z.literal('reminder'),
  event: z.enum(reminderEvents),
  caseId,
  reference: z.string(),
  programmeId,
  /** The overdue item: `PLAN` or a visit key such as `VISIT#002`. */
  item: z.string(),
  dueOn: isoDate,
  recipient: reminderRecipientSchema,
  createdAt: isoDateTime,
});
export type ReminderMessage = z.infer<typeof reminderMessageSchema>;
