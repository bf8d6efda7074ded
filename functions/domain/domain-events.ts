import { createHash } from 'node:crypto';
import type { CaseEventImage, DomainEvent, DomainEventOf, DomainEventType, PaymentEventImage } from '#events/domain-events';

/**
 * Which domain events (events/domain-events.ts) one change of a stored item is. Pure functions of
 * the item's image before and after the change, so the same stream record always gives the same
 * events with the same ids, whichever delivery of it the publisher sees.
 */

/**
 * sha256 of the event type, its schema version and what the event is about: a repeat of one change
 * is the same event, two changes are two events. Only ids, versions and codes go in, never a value
 * a person could be found by.
 */
export const eventIdFor = (type: DomainEventType, version: number, subject: readonly (string | number)[]): string =>
  createHash('sha256')
    .update([type, `v${version}`, ...subject.map(String)].join('|'))
    .digest('hex');

const event = <T extends DomainEventType>(type: T, detail: DomainEventOf<T>['detail']): DomainEvent => ({ type, detail }) as DomainEvent;

const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as T;

/**
 * The events of a change of a case item:
 * - its status changed (or the case is new): `referral.status_changed`, and `referral.promoted` too
 *   when a waitlisted case became eligible;
 * - its status stayed but it was given to a (new) receiving partner: `referral.offered`;
 * - it gave its assistance place back: `referral.place_released`.
 * A removed case is no event.
 */
export const caseEventsOf = (before: CaseEventImage | undefined, after: CaseEventImage | undefined): DomainEvent[] => {
  if (after === undefined) return [];
  const subject = [after.caseId, after.version] as const;
  const facts = defined({
    caseId: after.caseId,
    reference: after.reference,
    programmeId: after.programmeId,
    referrerId: after.referrerId,
    receiverId: after.receiverId,
    status: after.status,
    caseVersion: after.version,
  });
  const events: DomainEvent[] = [];
  if (before?.status !== after.status) {
    events.push(
      event('referral.status_changed', {
        eventId: eventIdFor('referral.status_changed', 1, subject),
        version: 1,
        ...facts,
        ...defined({ previousStatus: before?.status }),
      })
    );
    if (before?.status === 'waitlisted' && after.status === 'eligible') {
      events.push(event('referral.promoted', { eventId: eventIdFor('referral.promoted', 1, subject), version: 1, ...facts }));
    }
  } else if (after.receiverId !== undefined && after.receiverId !== before.receiverId) {
    events.push(
      event('referral.offered', {
        eventId: eventIdFor('referral.offered', 1, subject),
        version: 1,
        ...facts,
        receiverId: after.receiverId,
        ...defined({ previousReceiverId: before.receiverId }),
      })
    );
  }
  // The place is given back only when the new image says so (an item without the attribute never held one).
  if (before?.assistancePlace === true && after.assistancePlace === false) {
    events.push(
      event('referral.place_released', {
        eventId: eventIdFor('referral.place_released', 1, subject),
        version: 1,
        caseId: after.caseId,
        programmeId: after.programmeId,
        caseVersion: after.version,
      })
    );
  }
  return events;
};

/**
 * The events of a change of a payment item: `payment.status_changed` when it entered a status (a
 * new payment enters `requested`). Each status is entered at most once in a payment's life
 * (events/payment.ts), so the payment and the status name the change.
 */
export const paymentEventsOf = (before: PaymentEventImage | undefined, after: PaymentEventImage | undefined): DomainEvent[] => {
  if (after === undefined || before?.status === after.status) return [];
  return [
    event(
      'payment.status_changed',
      defined({
        eventId: eventIdFor('payment.status_changed', 1, [after.paymentId, after.status]),
        version: 1 as const,
        paymentId: after.paymentId,
        caseId: after.caseId,
        reference: after.caseReference,
        status: after.status,
        previousStatus: before?.status,
        amount: after.amount,
        currency: after.currency,
        category: after.category,
        requestedBy: after.requestedBy,
        reasonCode: after.reasonCode,
        reviewReason: after.reviewReason,
      })
    ),
  ];
};
