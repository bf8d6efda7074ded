import { describe, expect, it } from 'vitest';
import type { NotificationMessage } from '../../events/notification.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
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
import { paymentNotifications } from '../../functions/domain/payment-notifications.ts';
import {
  caseId,
  languages,
  links,
  otherCaseId,
  packFor,
  paymentId,
  paymentLinkOf,
  sampleMessages,
  sampleOf,
  sampleOpen,
  samplePayment,
  toldCombinations,
  variables,
} from '../support/notification-samples.ts';

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
        if (message.kind === 'partner') {
          // A partner's failing mailbox is about no case: the email names the partner and the failure, and links nothing.
          expect(email.subject, where).toContain(message.partnerId);
          expect(email.text, where).toContain(pack.mailboxFailures[message.failure]);
          expect(email.html, where).not.toContain('<a href=');
          continue;
        }
        if (message.kind === 'webhook') {
          // A webhook's email links nowhere: it names the endpoint's URL.
          expect(email.subject, where).toContain(message.url);
          expect(email.text, where).toContain(message.url);
          continue;
        }
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
