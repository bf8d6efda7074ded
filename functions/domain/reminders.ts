import type { CaseItem } from '#events/case';
import type { MonitoringVisit } from '#events/lifecycle';
import { visitSk } from '#events/lifecycle';
import type { ReminderMessage, ReminderRecipient } from '#events/reminder';
import { visitOverdue } from './monitoring.ts';
import { planOverdue } from './reintegration-plan.ts';

/**
 * What the daily reminders job reminds of: a plan not approved by its deadline, and a scheduled
 * monitoring visit not recorded by its due date. Each overdue item is reminded once, to the
 * receiving partner and to the coordinators.
 */

/** The statuses in which something can fall overdue: from arrival until closure. */
export const remindableStatuses = ['arrived', 'reintegrating', 'monitoring'] as const satisfies readonly CaseItem['status'][];

export type ReminderCase = Pick<
  CaseItem,
  'caseId' | 'reference' | 'programmeId' | 'status' | 'receiverId' | 'planDueOn' | 'approvedPlanVersion'
>;

export interface OverdueItem {
  /** `PLAN` or the visit's key; with the case id it names the item reminded of, once. */
  item: string;
  event: ReminderMessage['event'];
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
      .map((visit) => ({ item: visitSk(visit.number), event: 'visit_overdue' as const, dueOn: visit.dueOn as string })),
  ];
};

/** One message per recipient, each with an id that a repeat of the same reminder would share. */
export const reminderMessages = (stored: ReminderCase, overdue: OverdueItem, now: Date): ReminderMessage[] => {
  const recipients: ReminderRecipient[] = [
    ...(stored.receiverId === undefined ? [] : [{ kind: 'partner' as const, partnerId: stored.receiverId }]),
    { kind: 'role', role: 'coordinator' },
  ];
  return recipients.map((recipient) => ({
    id: `reminder:${stored.caseId}:${overdue.item}:${recipient.kind === 'partner' ? recipient.partnerId : recipient.role}`,
    type: 'reminder',
    event: overdue.event,
    caseId: stored.caseId,
    reference: stored.reference,
    programmeId: stored.programmeId,
    item: overdue.item,
    dueOn: overdue.dueOn,
    recipient,
    createdAt: now.toISOString(),
  }));
};
