import { readdirSync } from 'node:fs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import {
  type CaseChangeImage,
  caseChangeImageSchema,
  notificationEvents,
  notificationMessageSchema,
  type NotificationEvent,
  type Recipient,
  type RecipientRole,
} from '../../events/notification.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { notificationMessage } from '../../events/samples/index.ts';
import { streamImage } from '../../functions/commons/stream.ts';
import { caseActions } from '../../functions/domain/case-lifecycle.ts';
import {
  escapeHtml,
  type LanguagePack,
  languagePackSchema,
  loadLanguagePack,
  renderEmail,
  TemplateError,
} from '../../functions/domain/notifications/emails.ts';
import {
  caseChangeOf,
  eventForStatusChange,
  notificationIdFor,
  notificationsFor,
} from '../../functions/domain/notifications/messages.ts';
import { recipientsByEvent, recipientsFor } from '../../functions/domain/notifications/recipients.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';
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

  it('every case status, the promotion and the reassignment are events', () => {
    expect([...notificationEvents].sort()).toEqual([...caseStatuses, 'promoted', 'reassigned'].sort());
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
    expect(recipientsFor('withdrawn', parties, ['coordinator-1']).map((recipient) => recipient.role).sort()).toEqual([
      'coordinator',
      'receiver',
      'referrer',
    ]);
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

  it('a new row is all it takes to tell someone else', () => {
    const table = { ...recipientsByEvent, submitted: ['finance', 'referrer'] as const };
    expect(recipientsFor('submitted', parties, [], table)).toEqual([
      { role: 'finance' },
      { role: 'referrer', partnerId: 'referrer-fr-1' },
    ]);
  });
});

describe('notification messages', () => {
  const recipient: Recipient = { role: 'referrer', partnerId: 'referrer-fr-1' };

  it('have an id made of the change and the recipient only', () => {
    const id = notificationIdFor(caseId, 2, 'eligible', recipient);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(notificationIdFor(caseId, 2, 'eligible', { ...recipient })).toBe(id);
    const others = [
      notificationIdFor(caseId, 3, 'eligible', recipient),
      notificationIdFor(caseId, 2, 'promoted', recipient),
      notificationIdFor(caseId, 2, 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-2' }),
      notificationIdFor(caseId, 2, 'eligible', { role: 'finance' }),
      notificationIdFor('4f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', 2, 'eligible', recipient),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });

  it('name the same partner by the same id whatever role it is told in', () => {
    expect(notificationIdFor(caseId, 2, 'eligible', { role: 'coordinator', partnerId: 'referrer-fr-1' })).toBe(
      notificationIdFor(caseId, 2, 'eligible', recipient)
    );
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
      notificationId: notificationIdFor(caseId, 1, 'submitted', recipient),
      event: 'submitted',
      caseId,
      reference: 'TACT-FR-000123',
      caseVersion: 1,
      recipient,
    });
  });

  it('the sample message matches the contract and carries the id its change and recipient give', () => {
    const sample = notificationMessageSchema.parse(notificationMessage());
    expect(sample.notificationId).toBe(notificationIdFor(sample.caseId, sample.caseVersion, sample.event, sample.recipient));
  });

  it('the contract refuses an address or any other extra field', () => {
    const message = {
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

  it.each(languages)('%s renders every email with the reference, the link and no placeholder left', async (language) => {
    const pack = await packFor(language);
    for (const [event, role] of toldCombinations) {
      const email = renderEmail(pack, event, role, variables);
      const where = `${language}: ${event} for the ${role}`;
      expect(email.subject, where).toContain(variables.reference);
      expect(email.text, where).toContain(variables.reference);
      expect(email.text, where).toContain(variables.link);
      expect(email.html, where).toContain(`<a href="${variables.link}">${variables.link}</a>`);
      expect(email.html, where).toContain(`<html lang="${language}"`);
      expect(email.text, where).toContain(pack.events[event].todo[role]!);
      for (const part of [email.subject, email.text, email.html]) expect(part, where).not.toMatch(/\{\w+\}/);
    }
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
});

describe('no personal data in a notification', () => {
  const referral = distinctiveReferral();
  const personalValues = personalValuesOf(referral);
  const created = newCaseFromReferral(
    referralRequestSchema.parse(referral),
    { caseId, reference: 'TACT-FR-000777', referrerId: parties.referrerId },
    new Date()
  );
  const item = { pk: `CASE#${caseId}`, sk: 'CASE', ...created.case, receiverId: parties.receiverId };
  const record: DynamoDBRecord = {
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall({ pk: item.pk, sk: item.sk }) as never,
      NewImage: marshall(item, { removeUndefinedValues: true }) as never,
      SequenceNumber: '100',
    },
  };

  it('the case really carries the distinctive values (the check below can fail)', () => {
    expect(() => expectNoPersonalValue('the case item', JSON.stringify(item), personalValues)).toThrow();
  });

  it('the consumer reads a stream image without the person block', () => {
    const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
    expect(Object.keys(image).sort()).toEqual(
      ['caseId', 'programmeId', 'receiverId', 'reference', 'referrerId', 'sk', 'status', 'version'].sort()
    );
    expectNoPersonalValue('the stream image the consumer reads', JSON.stringify(image), personalValues);
  });

  it.each(languages)('%s: every template for every event and recipient, rendered from that case, has none of them', async (language) => {
    const pack = await packFor(language);
    const image = streamImage(record, 'NewImage', caseChangeImageSchema)!;
    for (const event of notificationEvents) {
      const messages = notificationsFor({ event, case: image }, recipientsFor(event, image, ['coordinator-1']));
      expect(messages.map((message) => message.recipient.role).sort()).toEqual([...recipientsByEvent[event]].sort());
      for (const message of messages) {
        const email = renderEmail(pack, message.event, message.recipient.role, {
          reference: message.reference,
          link: `https://trm.example.org/cases/${message.caseId}`,
        });
        const where = `${language}: ${event} for the ${message.recipient.role}`;
        expectNoPersonalValue(`the queue message (${where})`, JSON.stringify(message), personalValues);
        expectNoPersonalValue(`the email (${where})`, [email.subject, email.text, email.html].join('\n'), personalValues);
      }
    }
  });
});
