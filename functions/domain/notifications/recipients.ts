import type { NotificationEvent, Recipient, RecipientRole } from '#events/notification';

/**
 * Who hears what. One row per event; the roles are told in this order, and a partner holding two
 * of them on a case gets one email, written for the first. Adding an event or a recipient is
 * adding or changing a row (and the event's template in each language).
 *
 * - referrer: the partner that referred the case (`referrerId`)
 * - receiver: the origin-country partner assigned to the case (`receiverId`), once there is one
 * - coordinator: every active partner with the coordinator role
 * - requester: the partner that requested a payment (`requestedBy`)
 * - subscriber: the partner that registered a webhook endpoint
 * - finance: the finance mailbox of the stage configuration
 */
export const recipientsByEvent = {
  // The referrer's acknowledgement.
  submitted: ['referrer'],
  needs_review: ['coordinator'],
  // Eligibility decided: the origin partner is asked to take an eligible case.
  eligible: ['receiver', 'referrer', 'coordinator'],
  ineligible: ['referrer', 'coordinator'],
  waitlisted: ['referrer', 'coordinator'],
  promoted: ['receiver', 'referrer', 'coordinator'],
  // The newly assigned origin partner is asked to take the case.
  reassigned: ['receiver', 'referrer', 'coordinator'],
  accepted: ['referrer', 'coordinator'],
  declined: ['coordinator', 'referrer'],
  // The origin partner organises the reception.
  departed: ['receiver', 'coordinator'],
  arrived: ['referrer', 'coordinator'],
  // Plan approved: the origin partner may now request payments.
  reintegrating: ['receiver', 'coordinator'],
  monitoring: ['coordinator'],
  // Finance stops any payment still pending on a closed case.
  closed: ['receiver', 'referrer', 'coordinator', 'finance'],
  // Everyone involved so far: the receiver only if one was assigned.
  withdrawn: ['referrer', 'receiver', 'coordinator'],
  // Reminders (the daily job): the origin partner records it; the coordinators follow up.
  plan_overdue: ['receiver', 'coordinator'],
  visit_overdue: ['receiver', 'coordinator'],
  // Payments: finance at each step it acts on (four eyes: never the requester), the requester of each outcome.
  payment_awaiting_approval: ['finance'],
  payment_awaiting_disbursement: ['finance'],
  payment_approved: ['requester'],
  payment_rejected: ['requester'],
  payment_disbursed: ['requester'],
  // Once a day, everything still open.
  payment_digest: ['finance'],
  // A partner's mailbox fails: the coordinators get the partner to give a working address.
  partner_mailbox_failing: ['coordinator'],
  // The partner that registered the endpoint.
  webhook_disabled: ['subscriber'],
} as const satisfies Record<NotificationEvent, readonly RecipientRole[]>;

export type RecipientTable = Record<NotificationEvent, readonly RecipientRole[]>;

/** The partners an event can name; a role whose partner is not given (no receiver yet) is told nothing. */
export interface Parties {
  referrerId?: string | undefined;
  receiverId?: string | undefined;
  requesterId?: string | undefined;
  subscriberId?: string | undefined;
}

/** The recipients of one event, each partner once. */
export const recipientsFor = (
  event: NotificationEvent,
  parties: Parties,
  coordinatorIds: readonly string[],
  table: RecipientTable = recipientsByEvent
): Recipient[] => {
  const recipients: Recipient[] = [];
  const told = new Set<string>();
  const add = (recipient: Recipient): void => {
    const key = recipient.role === 'finance' ? 'finance' : `partner:${recipient.partnerId}`;
    if (told.has(key)) return;
    told.add(key);
    recipients.push(recipient);
  };
  for (const role of table[event]) {
    switch (role) {
      case 'referrer':
        if (parties.referrerId !== undefined) add({ role, partnerId: parties.referrerId });
        break;
      case 'receiver':
        if (parties.receiverId !== undefined) add({ role, partnerId: parties.receiverId });
        break;
      case 'requester':
        if (parties.requesterId !== undefined) add({ role, partnerId: parties.requesterId });
        break;
      case 'subscriber':
        if (parties.subscriberId !== undefined) add({ role, partnerId: parties.subscriberId });
        break;
      case 'coordinator':
        for (const partnerId of coordinatorIds) add({ role, partnerId });
        break;
      case 'finance':
        add({ role });
        break;
    }
  }
  return recipients;
};

/** Whether telling anyone about this event needs the list of coordinators. */
export const needsCoordinators = (event: NotificationEvent, table: RecipientTable = recipientsByEvent): boolean =>
  table[event].includes('coordinator');
