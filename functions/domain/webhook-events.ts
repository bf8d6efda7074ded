import type { DomainEventOf } from '#events/domain-events';
import type { Role } from '#events/primitives';
import type { SubscribableType, WebhookData, WebhookPayload } from '#events/webhooks';
import { type CaseParties, caseViewFor, rolesOnCase } from './access-policy.ts';
import { paymentViewKindFor } from './payment-views.ts';

/**
 * Which partner's endpoints receive a domain event, and what they receive. Who may receive an event
 * is who may read its record through the API, by the same functions (access-policy.ts for a case,
 * payment-views.ts for a payment): a referrer its own cases, the receiver offered or assigned a case,
 * coordinators every case, finance every case and payment. There is no second rule to drift apart.
 */
export type WebhookEvent = DomainEventOf<SubscribableType>;

export interface WebhookSubscriber {
  partnerId: string;
  roles: readonly Role[];
}

/** Whether the partner may see what the event is about; `parties` are its case's referrer and receiver. */
export const mayReceive = (subscriber: WebhookSubscriber, event: WebhookEvent, parties: CaseParties): boolean => {
  if (event.type === 'payment.status_changed') return paymentViewKindFor(rolesOnCase(subscriber, parties)) !== undefined;
  return caseViewFor(subscriber, parties) !== undefined;
};

/** The case's parties as a case event states them (a payment event names its case only: the consumer reads it). */
export const casePartiesOf = (event: DomainEventOf<'referral.status_changed' | 'referral.offered'>): CaseParties => ({
  referrerId: event.detail.referrerId,
  receiverId: event.detail.receiverId,
});

const dataOf = (event: WebhookEvent): WebhookData<SubscribableType> => {
  switch (event.type) {
    case 'referral.status_changed': {
      const { caseId, reference, programmeId, status, previousStatus, caseVersion } = event.detail;
      return { caseId, reference, programmeId, status, previousStatus, caseVersion };
    }
    case 'referral.offered': {
      const { caseId, reference, programmeId, status, receiverId, caseVersion } = event.detail;
      return { caseId, reference, programmeId, status, receiverId, caseVersion };
    }
    case 'payment.status_changed': {
      const { paymentId, caseId, reference, status, previousStatus, amount, currency, category, reasonCode, reviewReason } = event.detail;
      return { paymentId, caseId, reference, status, previousStatus, amount, currency, category, reasonCode, reviewReason };
    }
  }
};

/** The body partners receive for an event, fields absent rather than null. */
export const webhookPayloadOf = (event: WebhookEvent, occurredAt: string): WebhookPayload =>
  ({
    id: event.detail.eventId,
    type: event.type,
    occurredAt,
    data: JSON.parse(JSON.stringify(dataOf(event))),
  }) as WebhookPayload;

/** The body of a ping: its own event id, since no domain event stands behind it. */
export const pingPayloadOf = (eventId: string, webhookId: string, occurredAt: string): WebhookPayload => ({
  id: eventId,
  type: 'ping',
  occurredAt,
  data: { webhookId },
});
