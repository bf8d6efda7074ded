import type { CaseStatus } from '#events/case';
import type { DomainEvent } from '#events/domain-events';
import type { PaymentStatus } from '#events/payment';

/**
 * The business figures the stage's dashboard shows (infra/constructs/operations-dashboard.ts), as
 * CloudWatch metric names in the TRM namespace. A dimension holds a code from a closed list (a
 * programme, a status, an outcome), never an id or a value about a person: a dimension value is
 * stored and shown as it is, and each distinct value is a metric of its own.
 */
export const businessMetricNames = [
  'ReferralsSubmitted',
  'Decisions',
  'Offers',
  'Payments',
  'EmailsSent',
  'EmailsSkipped',
  'MailboxesFailing',
  'WebhookDeliveries',
] as const;
export type BusinessMetricName = (typeof businessMetricNames)[number];

/** The outcomes a decision on a case can have: eligibility's, then the receiving partner's. */
export const decisionOutcomes = ['needs_review', 'eligible', 'ineligible', 'waitlisted', 'accepted', 'declined'] as const;
type DecisionOutcome = (typeof decisionOutcomes)[number];

export type EmailSkipReason = 'partner-disabled' | 'mailbox-failing';
/** `held`: an attempt put off because an earlier delivery to the endpoint about the same case is still pending. */
export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'gave-up' | 'held';

/** The dimensions a figure may carry; every value type is a closed list or a programme id. */
export interface FigureDimensions {
  programme?: string;
  outcome?: DecisionOutcome | WebhookDeliveryOutcome;
  status?: PaymentStatus;
  reason?: EmailSkipReason;
  kind?: 'bounce' | 'complaint';
}

export interface BusinessFigure {
  name: BusinessMetricName;
  dimensions: FigureDimensions;
}

const isDecision = (status: CaseStatus): status is DecisionOutcome => (decisionOutcomes as readonly string[]).includes(status);

/**
 * The figures one published domain event counts for: a new case is a referral submitted, a case
 * entering a decision status a decision, an offer an offer, a payment entering a status a payment
 * in that status. Counted from the events because each change is published once per change
 * (events/domain-events.ts), whichever route or consumer made it.
 */
export const figuresOf = (event: DomainEvent): BusinessFigure[] => {
  switch (event.type) {
    case 'referral.status_changed': {
      const { detail } = event;
      if (detail.previousStatus === undefined) return [{ name: 'ReferralsSubmitted', dimensions: { programme: detail.programmeId } }];
      return isDecision(detail.status)
        ? [{ name: 'Decisions', dimensions: { programme: detail.programmeId, outcome: detail.status } }]
        : [];
    }
    case 'referral.offered':
      return [{ name: 'Offers', dimensions: { programme: event.detail.programmeId } }];
    case 'payment.status_changed':
      return [{ name: 'Payments', dimensions: { status: event.detail.status } }];
    default:
      return [];
  }
};

/** The figure of one webhook delivery attempt's outcome (for the webhook sender to record). */
export const webhookDeliveryFigure = (outcome: WebhookDeliveryOutcome): BusinessFigure => ({
  name: 'WebhookDeliveries',
  dimensions: { outcome },
});
