import { createHash } from 'node:crypto';
import type { CaseStatus } from '#events/case';
import type { CaseChangeImage, NotificationEvent, NotificationMessage, Recipient } from '#events/notification';

/** Transitions whose event is not simply the status entered. */
const renamedTransitions: Partial<Record<`${CaseStatus}>${CaseStatus}`, NotificationEvent>> = {
  'waitlisted>eligible': 'promoted',
};

/**
 * The event a change of a case item is, or undefined when its status did not change (an edit that
 * keeps the status, such as a departure being planned, notifies nobody). A new case is its first status.
 */
export const eventForStatusChange = (
  before: CaseStatus | undefined,
  after: CaseStatus
): NotificationEvent | undefined => {
  if (before === after) return undefined;
  if (before === undefined) return after;
  return renamedTransitions[`${before}>${after}`] ?? after;
};

export interface CaseChange {
  event: NotificationEvent;
  case: CaseChangeImage;
}

/**
 * The change a stream record's two images describe, if it is one people are told about: a change
 * of status, or a case that keeps its status but is given to another receiver.
 */
export const caseChangeOf = (
  oldImage: CaseChangeImage | undefined,
  newImage: CaseChangeImage | undefined
): CaseChange | undefined => {
  if (newImage === undefined) return undefined;
  const reassigned =
    oldImage !== undefined && newImage.receiverId !== undefined && newImage.receiverId !== oldImage.receiverId;
  const event = eventForStatusChange(oldImage?.status, newImage.status) ?? (reassigned ? 'reassigned' : undefined);
  return event === undefined ? undefined : { event, case: newImage };
};

/**
 * The same change told to the same recipient always has the same id: the case version identifies
 * the change (every write of a case item increments it), the event and the recipient the email.
 */
export const notificationIdFor = (
  caseId: string,
  caseVersion: number,
  event: NotificationEvent,
  recipient: Recipient
): string => {
  const recipientKey = recipient.role === 'finance' ? 'finance' : `partner:${recipient.partnerId}`;
  return createHash('sha256').update([caseId, String(caseVersion), event, recipientKey].join('|')).digest('hex');
};

/** One message per recipient of the change. */
export const notificationsFor = (change: CaseChange, recipients: readonly Recipient[]): NotificationMessage[] =>
  recipients.map((recipient) => ({
    notificationId: notificationIdFor(change.case.caseId, change.case.version, change.event, recipient),
    event: change.event,
    caseId: change.case.caseId,
    reference: change.case.reference,
    caseVersion: change.case.version,
    recipient,
  }));
