import * as z from 'zod/mini';
import { notificationEvent, type NotificationEvent, type RecipientRole, recipientRoles } from '#events/notification';

/**
 * Notification emails: one language pack per file in `templates/` (named by its ISO 639-1 code),
 * rendered by a small renderer that knows two variables, `{reference}` and `{link}`, and escapes
 * everything it puts in the HTML part. Templates only ever receive the case reference and link,
 * so no personal data can reach an email through them.
 */

const phrase = z.string().check(z.trim(), z.minLength(1));

const eventTemplateSchema = z.strictObject({
  subject: phrase,
  /** What happened, naming the case by `{reference}`. */
  happened: phrase,
  /** What the recipient must do, for every role the event is told to; "nothing to do" is said explicitly. */
  todo: z.partialRecord(z.enum(recipientRoles), phrase),
});

export const languagePackSchema = z.strictObject({
  language: z.string().check(z.regex(/^[a-z]{2}$/)),
  direction: z.optional(z.enum(['ltr', 'rtl'])),
  greeting: phrase,
  /** The link to the case: must use `{link}`. */
  openCase: phrase,
  footer: phrase,
  events: z.record(notificationEvent, eventTemplateSchema),
});
export type LanguagePack = z.infer<typeof languagePackSchema>;

export const defaultLanguage = 'en';

export interface EmailVariables {
  reference: string;
  link: string;
}

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

/** The email for one recipient role; throws a TemplateError for any gap, rather than sending half an email. */
export const renderEmail = (
  pack: LanguagePack,
  event: NotificationEvent,
  role: RecipientRole,
  variables: EmailVariables
): RenderedEmail => {
  const template = pack.events[event];
  const todo = template.todo[role];
  if (todo === undefined) {
    throw new TemplateError(`${pack.language}: ${event} has no text for the ${role}`);
  }
  if (!pack.openCase.includes('{link}')) {
    throw new TemplateError(`${pack.language}: openCase does not use {link}`);
  }
  const where = `${pack.language}/${event}`;
  const text = (template: string): string => fill(template, variables, where, (value) => value);
  const html = (template: string): string => fill(template, variables, where, escapeHtml, linkToCase);
  const subject = text(template.subject);
  return {
    language: pack.language,
    subject,
    text: [text(pack.greeting), text(template.happened), text(todo), text(pack.openCase), '--', text(pack.footer)].join(
      '\n\n'
    ),
    html: [
      '<!DOCTYPE html>',
      `<html lang="${pack.language}" dir="${pack.direction ?? 'ltr'}">`,
      `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
      '<body style="font-family:sans-serif;line-height:1.5">',
      `<p>${html(pack.greeting)}</p>`,
      `<p>${html(template.happened)}</p>`,
      `<p><strong>${html(todo)}</strong></p>`,
      `<p>${html(pack.openCase)}</p>`,
      '<hr>',
      `<p style="color:#555;font-size:small">${html(pack.footer)}</p>`,
      '</body></html>',
    ].join('\n'),
  };
};

const placeholder = /\{(\w+)\}/g;

/** Replaces each `{name}`; the literal text around the placeholders goes through `escape` too. */
const fill = (
  template: string,
  variables: EmailVariables,
  where: string,
  escape: (value: string) => string,
  present: (name: keyof EmailVariables, value: string) => string | undefined = () => undefined
): string => {
  let output = '';
  let last = 0;
  for (const match of template.matchAll(placeholder)) {
    const name = match[1] as string;
    if (!Object.hasOwn(variables, name)) {
      throw new TemplateError(`${where}: unknown template variable {${name}}`);
    }
    const value = variables[name as keyof EmailVariables];
    output += escape(template.slice(last, match.index)) + (present(name as keyof EmailVariables, value) ?? escape(value));
    last = match.index + match[0].length;
  }
  return output + escape(template.slice(last));
};

const linkToCase = (name: keyof EmailVariables, value: string): string | undefined =>
  name === 'link' ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>` : undefined;

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (character) => htmlEscapes[character]!);
