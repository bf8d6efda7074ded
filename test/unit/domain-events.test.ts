import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type CaseEventImage, type DomainEvent, domainEventTypes, type PaymentEventImage } from '../../events/domain-events.ts';
import { personSchema } from '../../events/referral.ts';
import { caseEventsOf, eventIdFor, paymentEventsOf } from '../../functions/domain/domain-events.ts';
import { caseChangeOf, caseChangeOfEvent } from '../../functions/domain/notifications/messages.ts';
import { paymentChangeOfEvent, paymentNotifications } from '../../functions/domain/payment-notifications.ts';

const caseId = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const image = (overrides: Partial<CaseEventImage> = {}): CaseEventImage => ({
  caseId,
  reference: 'TACT-FR-000042',
  programmeId: 'TACT',
  referrerId: 'paris-ngo',
  status: 'submitted',
  version: 1,
  ...overrides,
});
const payment = (overrides: Partial<PaymentEventImage> = {}): PaymentEventImage => ({
  paymentId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
  caseId,
  caseReference: 'TACT-FR-000042',
  category: 'medical',
  amount: 12_500,
  currency: 'EUR',
  status: 'requested',
  requestedBy: 'tirana-ngo',
  ...overrides,
});
const typesOf = (events: DomainEvent[]) => events.map((event) => event.type);
const parsed = (events: DomainEvent[]) => {
  for (const event of events) domainEventTypes[event.type].schema.parse(event.detail);
  return events;
};

describe('the events of a change of a case', () => {
  it('a new case is its first status; a removed case is nothing', () => {
    const [created] = parsed(caseEventsOf(undefined, image()));
    expect(created).toEqual({
      type: 'referral.status_changed',
      detail: {
        eventId: eventIdFor('referral.status_changed', 1, [caseId, 1]),
        version: 1,
        caseId,
        reference: 'TACT-FR-000042',
        programmeId: 'TACT',
        referrerId: 'paris-ngo',
        status: 'submitted',
        caseVersion: 1,
      },
    });
    expect(caseEventsOf(image(), undefined)).toEqual([]);
  });

  it('a change of status names the status before; leaving the waiting list is a promotion too', () => {
    const eligible = parsed(caseEventsOf(image({ status: 'needs_review', version: 2 }), image({ status: 'eligible', version: 3 })));
    expect(typesOf(eligible)).toEqual(['referral.status_changed']);
    expect(eligible[0]!.detail).toMatchObject({ status: 'eligible', previousStatus: 'needs_review', caseVersion: 3 });
    const promoted = parsed(caseEventsOf(image({ status: 'waitlisted', version: 4 }), image({ status: 'eligible', version: 5 })));
    expect(typesOf(promoted)).toEqual(['referral.status_changed', 'referral.promoted']);
  });

  it('an offer or a reassignment without a change of status is referral.offered; an edit is nothing', () => {
    const offered = parsed(
      caseEventsOf(image({ status: 'eligible', version: 3 }), image({ status: 'eligible', version: 4, receiverId: 'tirana-ngo' }))
    );
    expect(offered).toEqual([{ type: 'referral.offered', detail: expect.objectContaining({ receiverId: 'tirana-ngo', caseVersion: 4 }) }]);
    expect(offered[0]!.detail).not.toHaveProperty('previousReceiverId');
    const reassigned = parsed(
      caseEventsOf(
        image({ status: 'eligible', version: 4, receiverId: 'tirana-ngo' }),
        image({ status: 'eligible', version: 5, receiverId: 'shkoder-ngo' })
      )
    );
    expect(reassigned[0]!.detail).toMatchObject({ receiverId: 'shkoder-ngo', previousReceiverId: 'tirana-ngo' });
    expect(caseEventsOf(image({ status: 'accepted', version: 6 }), image({ status: 'accepted', version: 7 }))).toEqual([]);
  });

  it('giving the assistance place back is referral.place_released, beside the status change', () => {
    const events = parsed(
      caseEventsOf(
        image({ status: 'eligible', assistancePlace: true, version: 5 }),
        image({ status: 'withdrawn', assistancePlace: false, version: 6 })
      )
    );
    expect(typesOf(events)).toEqual(['referral.status_changed', 'referral.place_released']);
    expect(events[1]!.detail).toEqual({
      eventId: eventIdFor('referral.place_released', 1, [caseId, 6]),
      version: 1,
      caseId,
      programmeId: 'TACT',
      caseVersion: 6,
    });
    // No place held before, or the attribute merely absent after: nothing was released.
    expect(typesOf(caseEventsOf(image({ version: 1 }), image({ assistancePlace: false, version: 2 })))).toEqual([]);
  });

  it('the same change always gives the same ids; two changes, or two types of one change, never the same', () => {
    const once = caseEventsOf(image({ status: 'waitlisted', version: 4 }), image({ status: 'eligible', version: 5 }));
    const again = caseEventsOf(image({ status: 'waitlisted', version: 4 }), image({ status: 'eligible', version: 5 }));
    expect(again).toEqual(once);
    const ids = once.map((event) => event.detail.eventId);
    expect(new Set(ids).size).toBe(2);
    const next = caseEventsOf(image({ status: 'eligible', version: 5 }), image({ status: 'accepted', version: 6 }));
    expect(ids).not.toContain(next[0]!.detail.eventId);
  });

  it('reads back as the change the case emails were made of from the images', () => {
    const cases: Array<[CaseEventImage | undefined, CaseEventImage]> = [
      [undefined, image()],
      [image({ status: 'waitlisted', version: 2 }), image({ status: 'eligible', version: 3 })],
      [image({ status: 'eligible', version: 3 }), image({ status: 'eligible', version: 4, receiverId: 'tirana-ngo' })],
      [
        image({ status: 'eligible', receiverId: 'tirana-ngo', version: 4 }),
        image({ status: 'withdrawn', receiverId: 'tirana-ngo', version: 5 }),
      ],
    ];
    for (const [before, after] of cases) {
      const fromImages = caseChangeOf(before && { ...before, sk: 'CASE' }, { ...after, sk: 'CASE' });
      const [event] = caseEventsOf(before, after).filter(
        (candidate) => candidate.type === 'referral.status_changed' || candidate.type === 'referral.offered'
      );
      const fromEvent = caseChangeOfEvent(event as Parameters<typeof caseChangeOfEvent>[0]);
      const { assistancePlace: _, ...imageWithoutPlace } = after;
      expect(fromEvent).toEqual(fromImages && { event: fromImages.event, case: { ...imageWithoutPlace, sk: 'CASE' } });
    }
  });
});

describe('the events of a change of a payment', () => {
  it('each status entered once: a new payment is requested; a change that keeps the status is nothing', () => {
    const requested = parsed(paymentEventsOf(undefined, payment()));
    expect(requested[0]!.detail).not.toHaveProperty('previousStatus');
    expect(paymentEventsOf(payment(), payment())).toEqual([]);
    const rejected = parsed(
      paymentEventsOf(payment({ status: 'reserved' }), payment({ status: 'rejected', reviewReason: 'missing_documents' }))
    );
    expect(rejected[0]!.detail).toMatchObject({
      eventId: eventIdFor('payment.status_changed', 1, [payment().paymentId, 'rejected']),
      status: 'rejected',
      previousStatus: 'reserved',
      reference: 'TACT-FR-000042',
      reviewReason: 'missing_documents',
    });
  });

  it('reads back as the notifications the images made', () => {
    const pairs: Array<[PaymentEventImage | undefined, PaymentEventImage]> = [
      [undefined, payment()],
      [payment(), payment({ status: 'reserved' })],
      [payment({ status: 'reserved' }), payment({ status: 'approved' })],
      [payment({ status: 'requested' }), payment({ status: 'rejected', reasonCode: 'OVER_BUDGET' })],
    ];
    for (const [before, after] of pairs) {
      const [event] = paymentEventsOf(before, after);
      const { before: read, after: image } = paymentChangeOfEvent(event as Parameters<typeof paymentChangeOfEvent>[0]);
      expect(paymentNotifications(read, image)).toEqual(paymentNotifications(before, after));
    }
  });
});

/** Attribute names that hold personal data somewhere in the code base (events/referral.ts, events/payment.ts, notes). */
const personalAttributeNames = [
  ...Object.keys(personSchema.shape),
  'person',
  'identifiedBy',
  'note',
  'notes',
  'payee',
  'iban',
  'bic',
  'accountHolder',
  'purpose',
  'fileName',
  'documents',
  'email',
  'emails',
  'phone',
  'address',
  'name',
];

describe('every event schema', () => {
  it.each(Object.entries(domainEventTypes))('%s carries no personal attribute, an event id and a version', (_type, definition) => {
    const schema = z.toJSONSchema(definition.schema) as { properties: Record<string, unknown>; additionalProperties: boolean };
    const fields = Object.keys(schema.properties).map((field) => field.toLowerCase());
    for (const name of personalAttributeNames) expect(fields).not.toContain(name.toLowerCase());
    expect(fields).toEqual(expect.arrayContaining(['eventid', 'version']));
    // Strict: a personal value added to a mapping by mistake fails the publisher instead of leaving.
    expect(schema.additionalProperties).toBe(false);
  });

  it('checks against the person block as it is', () => {
    expect(personalAttributeNames).toEqual(expect.arrayContaining(['givenName', 'familyName', 'dateOfBirth', 'phone']));
  });
});
