import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import {
  type CaseChangeImage,
  caseChangeImageSchema,
  caseEvents,
  digestEvents,
  kindOfEvent,
  maxDigestPayments,
  type NotificationEvent,
  type NotificationMessage,
  notificationEvents,
  notificationMessageSchema,
  paymentChangeImageSchema,
  paymentEvents,
  type Recipient,
  type RecipientRole,
  reminderEvents,
} from '../../events/notification.ts';
import type { PaymentItem } from '../../events/payment.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { notificationMessage } from '../../events/samples/index.ts';
import { streamImage } from '../../functions/commons/stream.ts';
import { caseActions } from '../../functions/domain/case-lifecycle.ts';
import { formatAmount } from '../../functions/domain/money.ts';
import {
  emailContentOf,
  escapeHtml,
  type LanguagePack,
  languagePackSchema,
  loadLanguagePack,
  renderEmail,
  renderNotification,
  TemplateError,
} from '../../functions/domain/notifications/emails.ts';
import { caseChangeOf, eventForStatusChange, notificationIdFor, notificationsFor } from '../../functions/domain/notifications/messages.ts';
import { recipientsByEvent, recipientsFor } from '../../functions/domain/notifications/recipients.ts';
import { paymentDigest, paymentNotifications } from '../../functions/domain/payment-notifications.ts';
import { newPayment, paymentIdFor } from '../../functions/domain/payments.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';
import { reminderMessages } from '../../functions/domain/reminders.ts';
import { distinctiveReferral, expectNoPersonalValue, personalValuesOf } from '../support/personal-data.ts';

const caseId = '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const parties = { referrerId: 'referrer-fr-1', receiverId: 'receiver-al-1' };
const variables = { reference: 'TACT-FR-000123', link: `https://trm.example.org/cases/${caseId}` };

const languages = readdirSync(new URL('../../functions/domain/notifications/templates/', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.replace(/\.ts$/, ''));

const packFor = async (language: string): Promise<LanguagePack> => {
  const pack = await loadLanguagePack(language);
  if (pack === undefined) throw new Error(`no language pack ${language}`);
  return pack;
};

/** Every (event, role) a recipient can be told, from the table. */
const toldCombinations = notificationEvents.flatMap((event) =>
  recipientsByEvent[event].map((role) => [event, role] as [NotificationEvent, RecipientRole])
);

const coordinators = ['coordinator-1'];
const links = { caseBaseUrl: 'https://trm.example.org/cases' };
const paymentId = paymentIdFor('receiver-al-1', 'key-1');
const paymentLinkOf = (payment: string, onCase = caseId) => `${links.caseBaseUrl}/${onCase}/payments/${payment}`;

type PaymentImage = z.infer<typeof paymentChangeImageSchema>;
type OpenPayment = Parameters<typeof paymentDigest>[1][number];

/** A message for every (event, recipient) the table tells, each made by its producer's own function. */
const everyMessage = (
  changed: CaseChangeImage,
  remindedOf: Parameters<typeof reminderMessages>[0],
  payment: PaymentImage,
  open: readonly OpenPayment[]
): NotificationMessage[] => [
  ...caseEvents.flatMap((event) => notificationsFor({ event, case: changed }, recipientsFor(event, changed, coordinators))),
  ...reminderMessages(remindedOf, { item: 'PLAN', event: 'plan_overdue', dueOn: '2027-03-02' }, coordinators),
  ...reminderMessages(remindedOf, { item: 'VISIT#002', event: 'visit_overdue', dueOn: '2027-06-14' }, coordinators),
  ...paymentNotifications({ status: 'requested' }, { ...payment, status: 'reserved' }),
  ...paymentNotifications({ status: 'reserved' }, { ...payment, status: 'approved' }),
  ...paymentNotifications({ status: 'reserved' }, { ...payment, status: 'rejected', reasonCode: 'OVER_BUDGET' }),
  ...paymentNotifications({ status: 'approved' }, { ...payment, status: 'disbursed' }),
  paymentDigest('2027-06-15', open)!,
];

const sampleCase: CaseChangeImage = {
  sk: 'CASE',
  caseId,
  reference: 'TACT-FR-000123',
  programmeId: 'TACT',
  referrerId: 'referrer-fr-1',
  receiverId: 'receiver-al-1',
  status: 'eligible',
  version: 3,
};
const samplePayment: PaymentImage = {
  paymentId,
  caseId,
  caseReference: 'TACT-FR-000123',
  category: 'medical',
  amount: 12_500,
  currency: 'EUR',
  status: 'requested',
  requestedBy: 'receiver-al-1',
};
const otherCaseId = '9a1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const sampleOpen: OpenPayment[] = [
  {
    id: paymentIdFor('receiver-al-1', 'key-9'),
    caseId: otherCaseId,
    caseReference: 'TACT-FR-000200',
    category: 'business_startup',
    amount: 200_000,
    currency: 'EUR',
    status: 'approved',
    requestedAt: '2027-06-10T08:00:00.000Z',
  },
  {
    id: paymentId,
    caseId,
    caseReference: 'TACT-FR-000123',
    category: 'medical',
    amount: 12_500,
    currency: 'EUR',
    status: 'reserved',
    requestedAt: '2027-06-01T08:00:00.000Z',
  },
];
const sampleMessages = everyMessage(sampleCase, { ...sampleCase, status: 'arrived', planDueOn: '2027-03-02' }, samplePayment, sampleOpen);
const sampleOf = (event: NotificationEvent, role: RecipientRole = recipientsByEvent[event][0]!) =>
  sampleMessages.find((message) => message.event === event && message.recipient.role === role)!;

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

  it('case events, reminders, payment events and the digest share one list of events, each name once, each of one kind', () => {
    expect(notificationEvents).toEqual([...caseEvents, ...reminderEvents, ...paymentEvents, ...digestEvents]);
    expect(new Set(notificationEvents).size).toBe(notificationEvents.length);
    expect(notificationEvents.map(kindOfEvent)).toEqual([
      ...caseEvents.map(() => 'case'),
      ...reminderEvents.map(() => 'reminder'),
      ...paymentEvents.map(() => 'payment'),
      'payment_digest',
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

describe('notification messages', () => {
  const recipient: Recipient = { role: 'referrer', partnerId: 'referrer-fr-1' };

  it('have an id made of the change and the recipient only', () => {
    const id = notificationIdFor([caseId, '2'], 'eligible', recipient);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(notificationIdFor([caseId, '2'], 'eligible', { ...recipient })).toBe(id);
    const others = [
      notificationIdFor([caseId, '3'], 'eligible', recipient),
      notificationIdFor([caseId, '2'], 'promoted', recipient),
      notificationIdFor([caseId, '2'], 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-2' }),
      notificationIdFor([caseId, '2'], 'eligible', { role: 'finance' }),
      notificationIdFor(['4f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', '2'], 'eligible', recipient),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });

  it('a case change keeps the id it had before reminders and payments shared the contract', () => {
    // Sent records written before are keyed on these ids: a change redelivered across the deploy still finds its record.
    const legacy = createHash('sha256').update([caseId, '2', 'eligible', 'partner:referrer-fr-1'].join('|')).digest('hex');
    expect(notificationIdFor([caseId, '2'], 'eligible', recipient)).toBe(legacy);
  });

  it('name the same partner by the same id whatever role it is told in', () => {
    expect(notificationIdFor([caseId, '2'], 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-1' })).toBe(
      notificationIdFor([caseId, '2'], 'eligible', recipient)
    );
  });

  it('every sample message matches the contract, with an id of its own', () => {
    for (const message of sampleMessages) expect(notificationMessageSchema.parse(message), message.event).toEqual(message);
    expect(new Set(sampleMessages.map((message) => message.notificationId)).size).toBe(sampleMessages.length);
  });

  it('one per recipient, each matching the queue contract', () => {
    const change = caseChangeOf(undefined, {
      sk: 'CASE',
      caseId,
      reference: 'TACT-FR-000123',
      programmeId: 'TACT',
      referrerId: 'referrer-fr-1',
      status: 'submitted',
      version: 1,
    });
    const messages = notificationsFor(change!, [recipient, { role: 'finance' }]);
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(notificationMessageSchema.parse(message)).toEqual(message);
    expect(messages[0]).toEqual({
      kind: 'case',
      notificationId: notificationIdFor([caseId, '1'], 'submitted', recipient),
      event: 'submitted',
      caseId,
      reference: 'TACT-FR-000123',
      caseVersion: 1,
      recipient,
    });
  });

  it('the sample message matches the contract and carries the id its change and recipient give', () => {
    const sample = notificationMessageSchema.parse(notificationMessage());
    if (sample.kind !== 'case') throw new Error('the sample is a case notification');
    expect(sample.notificationId).toBe(notificationIdFor([sample.caseId, String(sample.caseVersion)], sample.event, sample.recipient));
  });

  it('the contract refuses an address or any other extra field', () => {
    const message = {
      kind: 'case',
      notificationId: 'a'.repeat(64),
      event: 'submitted',
      caseId,
      reference: 'TACT-FR-000123',
      caseVersion: 1,
      recipient,
    };
    expect(notificationMessageSchema.safeParse(message).success).toBe(true);
    expect(notificationMessageSchema.safeParse({ ...message, email: 'someone@example.org' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...message, recipient: { role: 'referrer' } }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...message, recipient: { role: 'finance', partnerId: 'x1' } }).success).toBe(false);
  });

  it('each kind takes only its own events and fields: a payee, a purpose or a note is refused', () => {
    const payment = sampleOf('payment_approved');
    expect(notificationMessageSchema.safeParse({ ...payment, payee: { name: 'Someone' } }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...payment, purpose: 'Rent' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...payment, event: 'eligible' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...sampleOf('eligible'), event: 'payment_approved' }).success).toBe(false);
    expect(notificationMessageSchema.safeParse({ ...sampleOf('plan_overdue'), item: 'NOTE#1' }).success).toBe(false);
    const digest = sampleOf('payment_digest');
    expect(notificationMessageSchema.safeParse({ ...digest, recipient: { role: 'coordinator', partnerId: 'coordinator-1' } }).success).toBe(
      false
    );
    if (digest.kind !== 'payment_digest') throw new Error('not the digest');
    expect(notificationMessageSchema.safeParse({ ...digest, open: [{ ...digest.open[0], payee: { name: 'Someone' } }] }).success).toBe(
      false
    );
    expect(
      notificationMessageSchema.safeParse({ ...digest, open: Array.from({ length: maxDigestPayments + 1 }, () => digest.open[0]) }).success
    ).toBe(false);
    const { kind: _kind, ...withoutKind } = sampleOf('eligible');
    expect(notificationMessageSchema.safeParse(withoutKind).success).toBe(false);
  });
});

describe('templates', () => {
  it('exist in English and French at least, one file per language', () => {
    expect(languages).toEqual(expect.arrayContaining(['en', 'fr']));
  });

  it.each(languages)('%s has every event, and what to do for every role the event is told to', async (language) => {
    const pack = await packFor(language);
    expect(pack.language).toBe(language);
    for (const [event, role] of toldCombinations) {
      expect(pack.events[event].todo[role], `${language}: ${event} for the ${role}`).toBeDefined();
    }
  });

  it.each(languages)(
    '%s renders every email from its message: the reference or day, the right link, what to do, no placeholder left',
    async (language) => {
      const pack = await packFor(language);
      for (const message of sampleMessages) {
        const email = renderNotification(pack, message, links);
        const where = `${language}: ${message.event} for the ${message.recipient.role}`;
        expect(email.html, where).toContain(`<html lang="${language}"`);
        expect(email.text, where).toContain(pack.events[message.event].todo[message.recipient.role]!);
        for (const part of [email.subject, email.text, email.html]) expect(part, where).not.toMatch(/\{\w+\}/);
        const link =
          message.kind === 'payment'
            ? paymentLinkOf(message.paymentId)
            : message.kind === 'payment_digest'
              ? paymentLinkOf(paymentId)
              : `${links.caseBaseUrl}/${caseId}`;
        expect(email.text, where).toContain(link);
        expect(email.html, where).toContain(`<a href="${link}">${link}</a>`);
        if (message.kind === 'payment_digest') {
          expect(email.subject, where).toContain(String(message.totalOpen));
        } else {
          expect(email.subject, where).toContain(message.reference);
          expect(email.text, where).toContain(message.reference);
        }
      }
    }
  );

  it("a payment email gives the amount in the reader's format, the category by name and the payment's link", async () => {
    const [en, fr] = [await packFor('en'), await packFor('fr')];
    const message = sampleOf('payment_awaiting_approval');
    const english = renderNotification(en, message, links);
    expect(english.subject).toBe('Case TACT-FR-000123: payment of €125.00 awaiting approval');
    expect(english.text).toContain('A payment of €125.00 for medical care in case TACT-FR-000123');
    expect(english.text).toContain(`Open the payment: ${paymentLinkOf(paymentId)}`);
    const french = renderNotification(fr, message, links);
    expect(french.subject.replace(/\s/g, ' ')).toBe("Dossier TACT-FR-000123 : paiement de 125,00 € en attente d'approbation");
    expect(french.text).toContain('soins médicaux');
  });

  it("a rejection says why, by the reason's text and its code", async () => {
    const email = renderNotification(await packFor('en'), sampleOf('payment_rejected'), links);
    expect(email.text).toContain('has been rejected: the amount is more than what remains of the category budget (OVER_BUDGET).');
    const onReview = paymentNotifications(
      { status: 'reserved' },
      { ...samplePayment, status: 'rejected', reasonCode: 'REJECTED_ON_REVIEW', reviewReason: 'payee_not_verified' }
    )[0]!;
    const french = renderNotification(await packFor('fr'), onReview, links);
    expect(french.text).toContain("a été rejetée : le bénéficiaire n'a pas pu être vérifié (payee_not_verified).");
  });

  it("a reminder gives the due date in the reader's format, and the visit by its number", async () => {
    const [en, fr] = [await packFor('en'), await packFor('fr')];
    const visit = sampleOf('visit_overdue');
    expect(renderNotification(en, visit, links).subject).toBe('Case TACT-FR-000123: monitoring visit 2 overdue');
    expect(renderNotification(en, visit, links).text).toContain('was due on June 14, 2027');
    expect(renderNotification(fr, visit, links).text).toContain('était prévue le 14 juin 2027');
    expect(renderNotification(en, sampleOf('plan_overdue'), links).text).toContain('was due on March 2, 2027');
  });

  it('the digest lists each open payment oldest first, with its link and status, and counts them', async () => {
    const email = renderNotification(await packFor('en'), sampleOf('payment_digest'), links);
    expect(email.subject).toBe('Open payments on June 15, 2027: 2');
    const lines = email.text.split('\n').filter((line) => line.startsWith('- '));
    expect(lines).toEqual([
      `- TACT-FR-000123: €125.00 for medical care, awaiting approval, requested on June 1, 2027: ${paymentLinkOf(paymentId)}`,
      `- TACT-FR-000200: €2,000.00 for starting a small business, awaiting disbursement, requested on June 10, 2027: ${paymentLinkOf(sampleOpen[0]!.id, otherCaseId)}`,
    ]);
    expect(email.html.match(/<li>/g)).toHaveLength(2);
    expect(email.html).toContain(`<a href="${paymentLinkOf(sampleOpen[0]!.id, otherCaseId)}">`);
    // No single link closes the digest: each payment has its own.
    expect(email.text).not.toContain('Open the');
  });

  it('amounts are integer minor units of ISO 4217, whatever Intl shows by habit', () => {
    const spaced = (value: string) => value.replace(/\s/g, ' ');
    expect(formatAmount(12_500, 'EUR', 'en')).toBe('€125.00');
    expect(spaced(formatAmount(12_500, 'EUR', 'fr'))).toBe('125,00 €');
    // The Albanian lek has two minor units in ISO 4217 (Intl shows none by default).
    expect(spaced(formatAmount(123_450, 'ALL', 'fr'))).toBe('1 234,50 ALL');
    expect(formatAmount(1_250, 'JPY', 'en')).toBe('¥1,250');
    expect(spaced(formatAmount(1_250, 'KWD', 'en'))).toBe('KWD 1.250');
  });

  it.each(languages)('%s names every reintegration category the programmes fund', async (language) => {
    const pack = await packFor(language);
    const categories = Object.values(programmeDefinitionFiles).flatMap((programme) =>
      (programme as { reintegration: { categories: Array<{ category: string }> } }).reintegration.categories.map((entry) => entry.category)
    );
    expect(categories.length).toBeGreaterThan(3);
    for (const category of categories) expect(pack.categories[category], `${language}: ${category}`).toBeDefined();
  });

  it('a category no pack names is shown by its code', async () => {
    const { variables } = emailContentOf(
      { ...sampleOf('payment_approved'), category: 'legal_aid' } as NotificationMessage,
      await packFor('en'),
      links
    );
    expect(variables.category).toBe('legal_aid');
  });

  it('a language without a file has no pack (the mailer falls back to English)', async () => {
    expect(await loadLanguagePack('zz')).toBeUndefined();
    expect(await loadLanguagePack('../emails')).toBeUndefined();
  });

  it('a language pack missing an event is refused', async () => {
    const { closed: _closed, ...events } = (await packFor('en')).events;
    const result = languagePackSchema.safeParse({ ...(await packFor('en')), events });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain('events.closed');
  });

  it('a template using a variable that is not provided fails to render, naming it', async () => {
    const pack = await packFor('en');
    const broken: LanguagePack = {
      ...pack,
      events: { ...pack.events, submitted: { ...pack.events.submitted, subject: 'Referral {reference} for {givenName}' } },
    };
    expect(() => renderEmail(broken, 'submitted', 'referrer', variables)).toThrow(TemplateError);
    expect(() => renderEmail(broken, 'submitted', 'referrer', variables)).toThrow(/\{givenName\}/);
  });

  it('a template using a variable its kind of message does not give fails to render, naming it', async () => {
    const pack = await packFor('en');
    const amountInCase: LanguagePack = {
      ...pack,
      events: { ...pack.events, eligible: { ...pack.events.eligible, happened: 'Case {reference}: {amount}' } },
    };
    expect(() => renderNotification(amountInCase, sampleOf('eligible'), links)).toThrow(/eligible: unknown template variable \{amount\}/);
    // A plan has no visit number.
    const itemInPlan: LanguagePack = {
      ...pack,
      events: { ...pack.events, plan_overdue: { ...pack.events.plan_overdue, subject: 'Case {reference}: {item}' } },
    };
    expect(() => renderNotification(itemInPlan, sampleOf('plan_overdue'), links)).toThrow(/\{item\}/);
    const reasonInApproval: LanguagePack = {
      ...pack,
      events: { ...pack.events, payment_approved: { ...pack.events.payment_approved, happened: 'Approved: {reason}' } },
    };
    expect(() => renderNotification(reasonInApproval, sampleOf('payment_approved'), links)).toThrow(/\{reason\}/);
  });

  it('listed items without a line to render them fail to render', async () => {
    const pack = await packFor('en');
    const { line: _line, ...withoutLine } = pack.events.payment_digest;
    const broken: LanguagePack = { ...pack, events: { ...pack.events, payment_digest: withoutLine } };
    expect(() => renderNotification(broken, sampleOf('payment_digest'), links)).toThrow(/payment_digest has no line/);
  });

  it('an event rendered for a role it has no text for fails to render', async () => {
    const pack = await packFor('en');
    expect(() => renderEmail(pack, 'submitted', 'finance', variables)).toThrow(/submitted has no text for the finance/);
  });

  it('escapes the HTML part, the template text and the values alike', async () => {
    const pack = await packFor('en');
    const tricky: LanguagePack = {
      ...pack,
      direction: 'rtl',
      events: { ...pack.events, submitted: { ...pack.events.submitted, happened: 'Case <b>{reference}</b> & co' } },
    };
    const email = renderEmail(tricky, 'submitted', 'referrer', {
      reference: 'A<script>',
      link: 'https://trm.example.org/cases/x?a=1&b="2"',
    });
    expect(email.html).toContain('Case &lt;b&gt;A&lt;script&gt;&lt;/b&gt; &amp; co');
    expect(email.html).toContain('<a href="https://trm.example.org/cases/x?a=1&amp;b=&quot;2&quot;">');
    expect(email.html).toContain('dir="rtl"');
    expect(email.html).not.toContain('<script>');
    expect(email.text).toContain('Case <b>A<script></b> & co');
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });

  it('escapes the listed items of the HTML part too', async () => {
    const pack = await packFor('en');
    const email = renderEmail(pack, 'payment_digest', 'finance', { day: 'today', count: '1', listed: '1' }, [
      { reference: 'A<b>', link: 'https://trm.example.org/cases/x?a=1&b=2', category: 'c&d', amount: '1', status: 's', requestedOn: 'd' },
    ]);
    expect(email.html).toContain('<li>A&lt;b&gt;: 1 for c&amp;d');
    expect(email.html).toContain('<a href="https://trm.example.org/cases/x?a=1&amp;b=2">');
    expect(email.html).not.toContain('A<b>');
  });
});

describe('no personal data in a notification', () => {
  const referral = distinctiveReferral();
  const created = newCaseFromReferral(
    referralRequestSchema.parse(referral),
    { caseId, reference: 'TACT-FR-000777', referrerId: parties.referrerId },
    new Date()
  );
  const item = { pk: `CASE#${caseId}`, sk: 'CASE', ...created.case, receiverId: parties.receiverId };
  const { givenName, familyName } = referral.person as { givenName: string; familyName: string };
  // The person is the payee of a beneficiary payment; the purpose and a reviewer's note name them too.
  const payee = { kind: 'beneficiary' as const, name: `${givenName} ${familyName}`, iban: 'AL35202111090000000001234567' };
  const purpose = `Rent of the room in Qafëmollë-Zhurravec for ${givenName}`;
  const note = `Called ${familyName} on +355 68 731 9264`;
  const paymentItem: PaymentItem = {
    ...newPayment(
      { category: 'housing', amount: 48_000, currency: 'EUR', payee, purpose },
      { paymentId, case: created.case, requestedBy: parties.receiverId },
      new Date('2027-06-01T08:00:00.000Z')
    ),
    status: 'rejected',
    reasonCode: 'REJECTED_ON_REVIEW',
    reviewReason: 'payee_not_verified',
  };
  paymentItem.steps.push({
    status: 'rejected',
    at: '2027-06-02T08:00:00.000Z',
    by: 'coordinator-1',
    reasonCode: 'REJECTED_ON_REVIEW',
    reviewReason: 'payee_not_verified',
    note,
  });
  const personalValues = [...personalValuesOf(referral), payee.name, payee.iban, purpose, note];

  const streamRecord = (image: Record<string, unknown>): DynamoDBRecord => ({
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall({ pk: image.pk, sk: image.sk }) as never,
      NewImage: marshall(image, { removeUndefinedValues: true }) as never,
      SequenceNumber: '100',
    },
  });
  const record = streamRecord(item);
  const paymentRecord = streamRecord({ pk: `CASE#${caseId}`, sk: `PAYMENT#${paymentId}`, ...paymentItem });

  it('the case and the payment really carry the distinctive values (the checks below can fail)', () => {
    expect(() => expectNoPersonalValue('the case item', JSON.stringify(item), personalValues)).toThrow();
    expect(() => expectNoPersonalValue('the payment item', JSON.stringify(paymentItem), [payee.name, payee.iban, purpose, note])).toThrow();
  });

  it('the consumers read stream images without the person block, the payee, the purpose or the notes', () => {
    const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
    expect(Object.keys(image).sort()).toEqual(
      ['caseId', 'programmeId', 'receiverId', 'reference', 'referrerId', 'sk', 'status', 'version'].sort()
    );
    expectNoPersonalValue('the stream image the case-events consumer reads', JSON.stringify(image), personalValues);
    const payment = streamImage(paymentRecord, 'NewImage', paymentChangeImageSchema)!;
    expect(Object.keys(payment).sort()).toEqual(
      [
        'amount',
        'caseId',
        'caseReference',
        'category',
        'currency',
        'paymentId',
        'reasonCode',
        'requestedBy',
        'reviewReason',
        'status',
      ].sort()
    );
    expectNoPersonalValue('the stream image the payment-events consumer reads', JSON.stringify(payment), personalValues);
  });

  it.each(languages)(
    '%s: every template for every event and recipient, rendered from that case and payment, has none of them',
    async (language) => {
      const pack = await packFor(language);
      const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
      const payment = streamImage(paymentRecord, 'NewImage', paymentChangeImageSchema)!;
      // The reminders job is handed the whole case item here: what it copies is what a message may say.
      const reminded = { ...item, status: 'arrived' as const, planDueOn: '2027-03-02' };
      const open = {
        id: paymentId,
        caseId,
        caseReference: paymentItem.caseReference,
        category: paymentItem.category,
        amount: paymentItem.amount,
        currency: paymentItem.currency,
        status: 'reserved' as const,
        requestedAt: paymentItem.requestedAt,
      };
      const messages = everyMessage(image, reminded, payment, [open]);
      expect(messages.filter((message) => message.event === 'payment_rejected')[0]).toMatchObject({ reviewReason: 'payee_not_verified' });
      const told = messages.map((message) => `${message.event}/${message.recipient.role}`);
      expect(told.sort()).toEqual(toldCombinations.map(([event, role]) => `${event}/${role}`).sort());
      for (const message of messages) {
        const email = renderNotification(pack, message, links);
        const where = `${language}: ${message.event} for the ${message.recipient.role}`;
        expectNoPersonalValue(`the queue message (${where})`, JSON.stringify(message), personalValues);
        expectNoPersonalValue(`the email (${where})`, [email.subject, email.text, email.html].join('\n'), personalValues);
      }
    }
  );
});
