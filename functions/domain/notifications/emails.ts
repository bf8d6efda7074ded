import * as z from 'zod/mini';
import {
  kindOfEvent,
  mailboxFailures,
  type NotificationEvent,
  type NotificationMessage,
  notificationEvent,
  type RecipientRole,
  recipientRoles,
} from '#events/notification';
import { paymentStatuses, rejectionCodes, reviewRejectionReasons } from '#events/payment';
import { formatAmount } from '../money.ts';

/**
 * Notification emails: one language pack per file in `templates/` (named by its ISO 639-1 code),
 * rendered by a small renderer that fills `{name}` variables and escapes everything it puts in the
 * HTML part. The variables are built from the notification message alone (`emailFor`), which
 * carries ids, references, codes, dates and amounts: no personal data can reach an email through
 * them. A template naming a variable its message does not give fails to render.
 */

const phrase = z.string().check(z.trim(), z.minLength(1));

const eventTemplateSchema = z.strictObject({
  subject: phrase,
  /** What happened, naming the case by `{reference}` (the digest: the day and the count). */
  happened: phrase,
  /** One listed item (the digest's payments), each with its own variables. */
  line: z.optional(phrase),
  /** What the recipient must do, for every role the event is told to; "nothing to do" is said explicitly. */
  todo: z.partialRecord(z.enum(recipientRoles), phrase),
});

export const languagePackSchema = z.strictObject({
  language: z.string().check(z.regex(/^[a-z]{2}$/)),
  direction: z.optional(z.enum(['ltr', 'rtl'])),
  greeting: phrase,
  /** The link to the case (case events and reminders): must use `{link}`. */
  openCase: phrase,
  /** The link to the payment (payment events): must use `{link}`. */
  openPayment: phrase,
  footer: phrase,
  /** Names of the programmes' reintegration categories; a category missing here is shown by its code. */
  categories: z.record(z.string(), phrase),
  paymentStatuses: z.record(z.enum(paymentStatuses), phrase),
  /** How a partner's mailbox failed, as SES reported it. */
  mailboxFailures: z.record(z.enum(mailboxFailures), phrase),
  /** Why a payment was rejected: the reservation's codes and the reviewers' reasons. */
  rejectionReasons: z.record(z.enum([...rejectionCodes, ...reviewRejectionReasons]), phrase),
  events: z.record(notificationEvent, eventTemplateSchema),
});
export type LanguagePack = z.infer<typeof languagePackSchema>;

export const defaultLanguage = 'en';

/** Every variable a template may use; which ones a message gives depends on its kind. */
export const variableNames = [
  'reference',
  'link',
  'dueOn',
  'item',
  'category',
  'amount',
  'reason',
  'day',
  'count',
  'listed',
  'status',
  'requestedOn',
  'partner',
  'failure',
  'url',
  'failingSince',
] as const;
export type VariableName = (typeof variableNames)[number];
export type EmailVariables = Partial<Record<VariableName, string>>;

export interface RenderedEmail {
  language: string;
  subject: string;
  text: string;
  html: string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/**
 * The language pack for a language, or undefined when there is none. Each file under `templates/`
 * is bundled (esbuild includes every file the pattern can name), so a new language is one new file.
 */
export const loadLanguagePack = async (language: string): Promise<LanguagePack | undefined> => {
  if (!/^[a-z]{2}$/.test(language)) return undefined;
  let loaded: { default: unknown };
  try {
    loaded = (await import(`./templates/${language}.ts`)) as { default: unknown };
  } catch {
    return undefined;
  }
  const pack = languagePackSchema.safeParse(loaded.default);
  if (!pack.success || pack.data.language !== language) {
    throw new TemplateError(`templates/${language}.ts is not a complete language pack`);
  }
  return pack.data;
};

/**
 * The email for one recipient role; throws a TemplateError for any gap, rather than sending half
 * an email. `lines` are the listed items (the digest's payments), rendered with the event's `line`.
 */
export const renderEmail = (
  pack: LanguagePack,
  event: NotificationEvent,
  role: RecipientRole,
  variables: EmailVariables,
  lines: readonly EmailVariables[] = []
): RenderedEmail => {
  const template = pack.events[event];
  const todo = template.todo[role];
  if (todo === undefined) {
    throw new TemplateError(`${pack.language}: ${event} has no text for the ${role}`);
  }
  for (const [name, opener] of [
    ['openCase', pack.openCase],
    ['openPayment', pack.openPayment],
  ] as const) {
    if (!opener.includes('{link}')) throw new TemplateError(`${pack.language}: ${name} does not use {link}`);
  }
  const line = template.line;
  if (lines.length > 0 && line === undefined) {
    throw new TemplateError(`${pack.language}: ${event} has no line for its listed items`);
  }
  const kind = kindOfEvent(event);
  // The digest's lines carry their own links; a partner's mailbox is about no case; a webhook's email names its URL.
  const opener =
    kind === 'payment_digest' || kind === 'partner' || kind === 'webhook'
      ? undefined
      : kind === 'payment'
        ? pack.openPayment
        : pack.openCase;
  const where = `${pack.language}/${event}`;
  const text = (template: string, values = variables): string => fill(template, values, where, (value) => value);
  const html = (template: string, values = variables): string => fill(template, values, where, escapeHtml, linkTo);
  const subject = text(template.subject);
  const listed = line === undefined ? [] : lines.map((values) => ({ text: text(line, values), html: html(line, values) }));
  return {
    language: pack.language,
    subject,
    text: [
      text(pack.greeting),
      text(template.happened),
      ...(listed.length > 0 ? [listed.map((item) => `- ${item.text}`).join('\n')] : []),
      text(todo),
      ...(opener === undefined ? [] : [text(opener)]),
      '--',
      text(pack.footer),
    ].join('\n\n'),
    html: [
      '<!DOCTYPE html>',
      `<html lang="${pack.language}" dir="${pack.direction ?? 'ltr'}">`,
      `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
      '<body style="font-family:sans-serif;line-height:1.5">',
      `<p>${html(pack.greeting)}</p>`,
      `<p>${html(template.happened)}</p>`,
      ...(listed.length > 0 ? ['<ul>', ...listed.map((item) => `<li>${item.html}</li>`), '</ul>'] : []),
      `<p><strong>${html(todo)}</strong></p>`,
      ...(opener === undefined ? [] : [`<p>${html(opener)}</p>`]),
      '<hr>',
      `<p style="color:#555;font-size:small">${html(pack.footer)}</p>`,
      '</body></html>',
    ].join('\n'),
  };
};

/** Where an email's links point: the case base URL of the stage (`CASE_BASE_URL`), without a trailing slash. */
export interface EmailLinks {
  caseBaseUrl: string;
}

export const caseLink = (links: EmailLinks, caseId: string): string => `${links.caseBaseUrl}/${caseId}`;

/** A payment is shown within its case: the partner portal lists a case's payments under it. */
export const paymentLink = (links: EmailLinks, caseId: string, paymentId: string): string =>
  `${caseLink(links, caseId)}/payments/${paymentId}`;

/** The variables (and listed items) of a message's email in a language: the one place they are made. */
export const emailContentOf = (
  message: NotificationMessage,
  pack: LanguagePack,
  links: EmailLinks
): { variables: EmailVariables; lines: EmailVariables[] } => {
  const dates = new Intl.DateTimeFormat(pack.language, { dateStyle: 'long', timeZone: 'UTC' });
  const date = (isoDate: string): string => dates.format(new Date(`${isoDate.slice(0, 10)}T00:00:00Z`));
  const category = (code: string): string => pack.categories[code] ?? code;
  switch (message.kind) {
    case 'case':
      return { variables: { reference: message.reference, link: caseLink(links, message.caseId) }, lines: [] };
    case 'reminder': {
      const visit = /^VISIT#(\d+)$/.exec(message.item)?.[1];
      return {
        variables: {
          reference: message.reference,
          link: caseLink(links, message.caseId),
          dueOn: date(message.dueOn),
          ...(visit === undefined ? {} : { item: String(Number(visit)) }),
        },
        lines: [],
      };
    }
    case 'payment': {
      const reasonCode = message.reviewReason ?? message.reasonCode;
      return {
        variables: {
          reference: message.reference,
          link: paymentLink(links, message.caseId, message.paymentId),
          category: category(message.category),
          amount: formatAmount(message.amount, message.currency, pack.language),
          ...(reasonCode === undefined ? {} : { reason: `${pack.rejectionReasons[reasonCode]} (${reasonCode})` }),
        },
        lines: [],
      };
    }
    case 'payment_digest':
      return {
        variables: { day: date(message.day), count: String(message.totalOpen), listed: String(message.open.length) },
        lines: message.open.map((payment) => ({
          reference: payment.caseReference,
          link: paymentLink(links, payment.caseId, payment.id),
          category: category(payment.category),
          amount: formatAmount(payment.amount, payment.currency, pack.language),
          status: pack.paymentStatuses[payment.status],
          requestedOn: date(payment.requestedAt),
        })),
      };
    case 'partner':
      return { variables: { partner: message.partnerId, failure: pack.mailboxFailures[message.failure] }, lines: [] };
    case 'webhook':
      return { variables: { url: message.url, failingSince: date(message.failingSince) }, lines: [] };
  }
};

/** The email of a notification message, in the pack's language. */
export const renderNotification = (pack: LanguagePack, message: NotificationMessage, links: EmailLinks): RenderedEmail => {
  const { variables, lines } = emailContentOf(message, pack, links);
  return renderEmail(pack, message.event, message.recipient.role, variables, lines);
};

const placeholder = /\{(\w+)\}/g;

/** Replaces each `{name}`; the literal text around the placeholders goes through `escapeText` too. */
const fill = (
  template: string,
  variables: EmailVariables,
  where: string,
  escapeText: (value: string) => string,
  present: (name: VariableName, value: string) => string | undefined = () => undefined
): string => {
  let output = '';
  let last = 0;
  for (const match of template.matchAll(placeholder)) {
    const name = match[1] as VariableName;
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined) {
      throw new TemplateError(`${where}: unknown template variable {${name}}`);
    }
    output += escapeText(template.slice(last, match.index)) + (present(name, value) ?? escapeText(value));
    last = match.index + match[0].length;
  }
  return output + escapeText(template.slice(last));
};

const linkTo = (name: VariableName, value: string): string | undefined =>
  name === 'link' ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>` : undefined;

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (character) => htmlEscapes[character] ?? character);
