import { createHash } from 'node:crypto';
import type { CaseStatus } from '#events/case';
import type { DomainEventOf } from '#events/domain-events';
import type { CaseChangeImage, CaseEvent, CaseNotification, NotificationEvent, PartnerNotification, Recipient } from '#events/notification';
import { recipientsFor } from './recipients.ts';

/** Transitions whose event is not simply the status entered. */
const renamedTransitions: Partial<Record<`${CaseStatus}>${CaseStatus}`, CaseEvent>> = {
  'waitlisted>eligible': 'promoted',
};

/**
 * The event a change of a case item is, or undefined when its status did not change (an edit that
 * keeps the status, such as a departure being planned, notifies nobody). A new case is its first status.
 */
export const eventForStatusChange = (before: CaseStatus | undefined, after: CaseStatus): CaseEvent | undefined => {
  if (before === after) return undefined;
  if (before === undefined) return after;
  return renamedTransitions[`${before}>${after}`] ?? after;
};

export interface CaseChange {
  event: CaseEvent;
  case: CaseChangeImage;
}

/**
 * The change a stream record's two images describe, if it is one people are told about: a change
 * of status, or a case that keeps its status but is given to another receiver.
 */
export const caseChangeOf = (oldImage: CaseChangeImage | undefined, newImage: CaseChangeImage | undefined): CaseChange | undefined => {
  if (newImage === undefined) return undefined;
  const reassigned = oldImage !== undefined && newImage.receiverId !== undefined && newImage.receiverId !== oldImage.receiverId;
  const event = eventForStatusChange(oldImage?.status, newImage.status) ?? (reassigned ? 'reassigned' : undefined);
  return event === undefined ? undefined : { event, case: newImage };
};

/**
 * The change a case event is, as `caseChangeOf` reads it from two images: a status change is the
 * event of its transition, an offer without a status change is `reassigned`.
 */
export const caseChangeOfEvent = ({
  type,
  detail,
}: DomainEventOf<'referral.status_changed' | 'referral.offered'>): CaseChange | undefined => {
  const image: CaseChangeImage = {
    sk: 'CASE',
    caseId: detail.caseId,
    reference: detail.reference,
    programmeId: detail.programmeId,
    referrerId: detail.referrerId,
    receiverId: detail.receiverId,
    status: detail.status,
    version: detail.caseVersion,
  };
  const event = type === 'referral.offered' ? 'reassigned' : eventForStatusChange(detail.previousStatus, detail.status);
  return event === undefined ? undefined : { event, case: image };
};

/**
 * The id of one notification: a sha256 of what it is about (`subject`), its event and its
 * recipient, so the same fact told to the same recipient always has the same id, and the mailer's
 * sent records recognise a repeat from any producer. Event names are unique across kinds, so two
 * kinds cannot collide. A partner is named by its id whatever role it is told in.
 *
 * - a case change: the case id and the version the change produced (every write increments it)
 * - a reminder: the case id and the overdue item (`PLAN`, `VISIT#002`)
 * - a payment status change: the payment id (each status is entered once in a payment's life)
 * - the payments digest: the day
 * - a partner's failing mailbox: the partner id and when the mailbox was marked failing
 */
export const notificationIdFor = (subject: readonly string[], event: NotificationEvent, recipient: Recipient): string => {
  const recipientKey = recipient.role === 'finance' ? 'finance' : `partner:${recipient.partnerId}`;
  return createHash('sha256')
    .update([...subject, event, recipientKey].join('|'))
    .digest('hex');
};

/** One message per recipient of the change. */
export const notificationsFor = (change: CaseChange, recipients: readonly Recipient[]): CaseNotification[] =>
  recipients.map((recipient) => ({
    kind: 'case',
    notificationId: notificationIdFor([change.case.caseId, String(change.case.version)], change.event, recipient),
    event: change.event,
    caseId: change.case.caseId,
    reference: change.case.reference,
    caseVersion: change.case.version,
    recipient,
  }));

/**
 * One message per coordinator about a partner whose mailbox fails. The same marking always gives the
 * same ids, so SES reporting the address again while it is marked failing sends nothing new.
 */
export const partnerMailboxNotifications = (
  partnerId: string,
  failure: PartnerNotification['failure'],
  markedAt: string,
  coordinatorIds: readonly string[]
): PartnerNotification[] =>
  recipientsFor('partner_mailbox_failing', {}, coordinatorIds).map((recipient) => ({
    kind: 'partner',
    notificationId: notificationIdFor([partnerId, markedAt], 'partner_mailbox_failing', recipient),
    event: 'partner_mailbox_failing',
    partnerId,
    failure,
    recipient,
  }));
