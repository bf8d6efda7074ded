import { describe, expect, it } from 'vitest';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import {
  type CaseChangeImage,
  caseEvents,
  digestEvents,
  kindOfEvent,
  notificationEvents,
  partnerEvents,
  paymentEvents,
  reminderEvents,
  webhookEvents,
} from '../../events/notification.ts';
import { caseActions } from '../../functions/domain/case-lifecycle.ts';
import { caseChangeOf, eventForStatusChange } from '../../functions/domain/notifications/messages.ts';
import { recipientsByEvent, recipientsFor } from '../../functions/domain/notifications/recipients.ts';
import { caseId, coordinators, parties, sampleMessages, toldCombinations } from '../support/notification-samples.ts';

describe('which change is which event', () => {
  it('a new case is its first status; a change that keeps the status is no event', () => {
    expect(eventForStatusChange(undefined, 'submitted')).toBe('submitted');
    expect(eventForStatusChange('eligible', 'eligible')).toBeUndefined();
  });

  it('leaving the waiting list is a promotion; other transitions are the status entered', () => {
    expect(eventForStatusChange('waitlisted', 'eligible')).toBe('promoted');
    expect(eventForStatusChange('needs_review', 'eligible')).toBe('eligible');
    expect(eventForStatusChange('eligible', 'withdrawn')).toBe('withdrawn');
  });

  const image = (status: CaseStatus, receiverId?: string): CaseChangeImage => ({
    sk: 'CASE',
    caseId,
    reference: 'TACT-FR-000123',
    programmeId: 'TACT',
    referrerId: 'referrer-fr-1',
    receiverId,
    status,
    version: 3,
  });

  it('an eligible case given to another receiver is a reassignment; an edit that changes neither is no event', () => {
    expect(caseChangeOf(image('eligible', 'receiver-al-1'), image('eligible', 'receiver-al-2'))?.event).toBe('reassigned');
    expect(caseChangeOf(image('eligible'), image('eligible', 'receiver-al-2'))?.event).toBe('reassigned');
    expect(caseChangeOf(image('eligible', 'receiver-al-1'), image('eligible', 'receiver-al-1'))).toBeUndefined();
    expect(caseChangeOf(image('declined', 'receiver-al-1'), image('eligible', 'receiver-al-2'))?.event).toBe('eligible');
    expect(caseChangeOf(undefined, image('submitted', 'receiver-al-1'))?.event).toBe('submitted');
    expect(caseChangeOf(image('submitted'), undefined)).toBeUndefined();
  });

  it('every status change the case lifecycle allows is an event someone is told about', () => {
    const transitions = Object.values(caseActions).flatMap((action) =>
      // Reopening returns a case to the status it had before closure: no new event to tell.
      action.to === undefined || action.to === 'statusBeforeClosure' ? [] : action.from.map((from) => [from, action.to] as const)
    );
    expect(transitions.length).toBeGreaterThan(10);
    for (const [from, to] of transitions) {
      const event = eventForStatusChange(from, to);
      if (from === to) {
        expect(event).toBeUndefined();
        expect(caseChangeOf(image(from, 'receiver-al-1'), image(to, 'receiver-al-2'))?.event).toBe('reassigned');
        continue;
      }
      expect(event, `${from} → ${to}`).toBeDefined();
      expect(recipientsByEvent[event!].length, `${from} → ${to}`).toBeGreaterThan(0);
    }
  });

  it('every case status, the promotion and the reassignment are case events', () => {
    expect([...caseEvents].sort()).toEqual([...caseStatuses, 'promoted', 'reassigned'].sort());
  });

  it("case events, reminders, payment events, the digest, partners' events and webhook events share one list of events, each name once, each of one kind", () => {
    expect(notificationEvents).toEqual([
      ...caseEvents,
      ...reminderEvents,
      ...paymentEvents,
      ...digestEvents,
      ...partnerEvents,
      ...webhookEvents,
    ]);
    expect(new Set(notificationEvents).size).toBe(notificationEvents.length);
    expect(notificationEvents.map(kindOfEvent)).toEqual([
      ...caseEvents.map(() => 'case'),
      ...reminderEvents.map(() => 'reminder'),
      ...paymentEvents.map(() => 'payment'),
      'payment_digest',
      'partner',
      ...webhookEvents.map(() => 'webhook'),
    ]);
  });
});

describe('who hears what', () => {
  it.each(notificationEvents)('%s is told to someone, each role once', (event) => {
    const roles = recipientsByEvent[event];
    expect(roles.length).toBeGreaterThan(0);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('the referrer gets the acknowledgement of its referral', () => {
    expect(recipientsFor('submitted', parties, ['coordinator-1'])).toEqual([{ role: 'referrer', partnerId: 'referrer-fr-1' }]);
  });

  it('eligibility: the origin partner, the referrer and every coordinator', () => {
    expect(recipientsFor('eligible', parties, ['coordinator-1', 'coordinator-2'])).toEqual([
      { role: 'receiver', partnerId: 'receiver-al-1' },
      { role: 'referrer', partnerId: 'referrer-fr-1' },
      { role: 'coordinator', partnerId: 'coordinator-1' },
      { role: 'coordinator', partnerId: 'coordinator-2' },
    ]);
  });

  it('a case without a receiver yet tells no receiver', () => {
    expect(recipientsFor('withdrawn', { referrerId: 'referrer-fr-1' }, ['coordinator-1'])).toEqual([
      { role: 'referrer', partnerId: 'referrer-fr-1' },
      { role: 'coordinator', partnerId: 'coordinator-1' },
    ]);
  });

  it('withdrawal tells everyone involved so far', () => {
    expect(
      recipientsFor('withdrawn', parties, ['coordinator-1'])
        .map((recipient) => recipient.role)
        .sort()
    ).toEqual(['coordinator', 'receiver', 'referrer']);
  });

  it('closure tells finance once, without a partner id', () => {
    const finance = recipientsFor('closed', parties, ['coordinator-1']).filter((recipient) => recipient.role === 'finance');
    expect(finance).toEqual([{ role: 'finance' }]);
  });

  it('a partner holding two roles on the case gets one email, for the first role of the row', () => {
    expect(recipientsFor('accepted', parties, ['referrer-fr-1', 'coordinator-2'])).toEqual([
      { role: 'referrer', partnerId: 'referrer-fr-1' },
      { role: 'coordinator', partnerId: 'coordinator-2' },
    ]);
  });

  it('an overdue plan or visit: the receiver and every coordinator', () => {
    for (const event of reminderEvents) {
      expect(recipientsFor(event, { receiverId: 'receiver-al-1' }, ['coordinator-1', 'coordinator-2'])).toEqual([
        { role: 'receiver', partnerId: 'receiver-al-1' },
        { role: 'coordinator', partnerId: 'coordinator-1' },
        { role: 'coordinator', partnerId: 'coordinator-2' },
      ]);
    }
  });

  it('finance at each payment step it acts on and the digest; the requester of each outcome, never finance', () => {
    const requester = { requesterId: 'receiver-al-1' };
    expect(recipientsFor('payment_awaiting_approval', requester, coordinators)).toEqual([{ role: 'finance' }]);
    expect(recipientsFor('payment_awaiting_disbursement', requester, coordinators)).toEqual([{ role: 'finance' }]);
    expect(recipientsFor('payment_digest', {}, coordinators)).toEqual([{ role: 'finance' }]);
    for (const event of ['payment_approved', 'payment_rejected', 'payment_disbursed'] as const) {
      expect(recipientsFor(event, requester, coordinators)).toEqual([{ role: 'requester', partnerId: 'receiver-al-1' }]);
    }
  });

  it('the sample messages cover every (event, role) of the table', () => {
    const covered = new Set(sampleMessages.map((message) => `${message.event}/${message.recipient.role}`));
    expect([...covered].sort()).toEqual(toldCombinations.map(([event, role]) => `${event}/${role}`).sort());
  });

  it('a new row is all it takes to tell someone else', () => {
    const table = { ...recipientsByEvent, submitted: ['finance', 'referrer'] as const };
    expect(recipientsFor('submitted', parties, [], table)).toEqual([{ role: 'finance' }, { role: 'referrer', partnerId: 'referrer-fr-1' }]);
  });
});
