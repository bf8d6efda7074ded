import { type CaseItem, statusesAfterArrival } from '#events/case';
import type { MonitoringVisit } from '#events/lifecycle';
import { visitItemId } from '#events/lifecycle';
import type { ReminderEvent, ReminderNotification } from '#events/notification';
import { visitOverdue } from './monitoring.ts';
import { notificationIdFor } from './notifications/messages.ts';
import { recipientsFor } from './notifications/recipients.ts';
import { planOverdue } from './reintegration-plan.ts';

/**
 * What the daily reminders job reminds of: a plan not approved by its deadline, and a scheduled
 * monitoring visit not recorded by its due date. Each overdue item is reminded once, to the
 * recipients the notifications table gives its event (the receiving partner and the coordinators).
 */

/** The statuses in which something can fall overdue: from arrival until closure. */
export const remindableStatuses = statusesAfterArrival;

export type ReminderCase = Pick<
  CaseItem,
  'caseId' | 'reference' | 'programmeId' | 'status' | 'receiverId' | 'planDueOn' | 'approvedPlanVersion'
>;

export interface OverdueItem {
  /** `PLAN` or the visit's key; with the case id it names the item reminded of, once. */
  item: string;
  event: ReminderEvent;
  dueOn: string;
}

export const overdueItems = (stored: ReminderCase, visits: readonly MonitoringVisit[], today: string): OverdueItem[] => {
  if (!(remindableStatuses as readonly string[]).includes(stored.status)) return [];
  return [
    ...(planOverdue(stored, today) && stored.planDueOn !== undefined
      ? [{ item: 'PLAN', event: 'plan_overdue' as const, dueOn: stored.planDueOn }]
      : []),
    ...visits
      .filter((visit) => visitOverdue(visit, today))
      .map((visit) => ({ item: visitItemId(visit.number), event: 'visit_overdue' as const, dueOn: visit.dueOn as string })),
  ];
};

/** One message per recipient (the coordinators are given by the caller), each with the id a repeat would share. */
export const reminderMessages = (stored: ReminderCase, overdue: OverdueItem, coordinatorIds: readonly string[]): ReminderNotification[] =>
  recipientsFor(overdue.event, { receiverId: stored.receiverId }, coordinatorIds).map((recipient) => ({
    kind: 'reminder',
    notificationId: notificationIdFor([stored.caseId, overdue.item], overdue.event, recipient),
    event: overdue.event,
    caseId: stored.caseId,
    reference: stored.reference,
    item: overdue.item,
    dueOn: overdue.dueOn,
    recipient,
  }));
