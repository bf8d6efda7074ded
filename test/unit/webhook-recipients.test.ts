import { describe, expect, it } from 'vitest';
import type { Role } from '../../events/primitives.ts';
import { webhookPayloadSchema } from '../../events/webhooks.ts';
import { caseViewFor } from '../../functions/domain/access-policy.ts';
import { casePartiesOf, mayReceive, type WebhookEvent, webhookPayloadOf } from '../../functions/domain/webhook-events.ts';

/*
 * The matrix of who receives what: the same answers as the API's access policy gives for reading
 * the case or the payment (functions/domain/access-policy.ts, payment-views.ts).
 */
const caseId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const parties = { referrerId: 'referrer-fr', receiverId: 'receiver-al' };
const eventId = 'a'.repeat(64);

const events: Record<WebhookEvent['type'], WebhookEvent> = {
  'referral.status_changed': {
    type: 'referral.status_changed',
    detail: {
      eventId,
      version: 1,
      caseId,
      reference: 'TACT-FR-000123',
      programmeId: 'TACT',
      referrerId: 'referrer-fr',
      receiverId: 'receiver-al',
      status: 'accepted',
      previousStatus: 'eligible',
      caseVersion: 5,
    },
  },
  'referral.offered': {
    type: 'referral.offered',
    detail: {
      eventId,
      version: 1,
      caseId,
      reference: 'TACT-FR-000123',
      programmeId: 'TACT',
      referrerId: 'referrer-fr',
      receiverId: 'receiver-al',
      status: 'eligible',
      caseVersion: 4,
    },
  },
  'payment.status_changed': {
    type: 'payment.status_changed',
    detail: {
      eventId,
      version: 1,
      paymentId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      caseId,
      reference: 'TACT-FR-000123',
      status: 'approved',
      previousStatus: 'reserved',
      amount: 12_500,
      currency: 'EUR',
      category: 'medical',
      requestedBy: 'receiver-al',
    },
  },
};

const partners: Array<{ partnerId: string; roles: Role[] }> = [
  { partnerId: 'referrer-fr', roles: ['referrer'] },
  { partnerId: 'referrer-es', roles: ['referrer'] },
  { partnerId: 'receiver-al', roles: ['receiver'] },
  { partnerId: 'receiver-ma', roles: ['receiver'] },
  { partnerId: 'coordinator', roles: ['coordinator'] },
  { partnerId: 'finance', roles: ['finance'] },
];

const expected: Record<WebhookEvent['type'], string[]> = {
  'referral.status_changed': ['referrer-fr', 'receiver-al', 'coordinator', 'finance'],
  'referral.offered': ['referrer-fr', 'receiver-al', 'coordinator', 'finance'],
  // A referrer reads no payment through the API, so it is sent none.
  'payment.status_changed': ['receiver-al', 'coordinator', 'finance'],
};

describe('who receives which webhook', () => {
  it.each(Object.keys(events) as Array<WebhookEvent['type']>)('%s reaches exactly the partners that may read it', (type) => {
    const receivers = partners.filter((partner) => mayReceive(partner, events[type], parties)).map((partner) => partner.partnerId);
    expect(receivers).toEqual(expected[type]);
  });

  it('case events follow the case access policy, partner by partner, on cases with and without a receiver', () => {
    for (const caseParties of [parties, { referrerId: 'referrer-es' }, { referrerId: 'referrer-fr', receiverId: 'receiver-ma' }]) {
      for (const partner of partners) {
        expect(mayReceive(partner, events['referral.status_changed'], caseParties)).toBe(caseViewFor(partner, caseParties) !== undefined);
      }
    }
  });

  it("takes a case event's parties from the event", () => {
    expect(casePartiesOf(events['referral.offered'] as never)).toEqual(parties);
  });

  it.each(Object.keys(events) as Array<WebhookEvent['type']>)(
    '%s: the payload matches its published schema and names no partner it should not',
    (type) => {
      const payload = webhookPayloadOf(events[type], '2027-03-01T10:00:00.000Z');
      expect(webhookPayloadSchema(type).safeParse(payload).success).toBe(true);
      expect(JSON.stringify(payload)).not.toContain('referrer-fr');
      expect(payload.id).toBe(eventId);
    }
  );
});
