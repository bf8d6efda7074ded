import { readdirSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { caseEvents, type NotificationEvent } from '../../../events/notification.ts';
import { PartnerRepository } from '../../../functions/adapters/partner-repository.ts';
import { defaultLanguage, loadLanguagePack, renderEmail } from '../../../functions/domain/notifications/emails.ts';
import { type Parties, recipientsByEvent, recipientsFor } from '../../../functions/domain/notifications/recipients.ts';
import type { LocalStack } from '../../../infra/local/local-stack.ts';
import { localCredentials } from '../../../infra/local/provision.ts';
import { localRegion } from '../../../infra/local/template.ts';
import type { StoredEmail } from '../../support/inbox.ts';

/** One email a stakeholder should get: where it goes and exactly what it says. */
export interface ExpectedEmail {
  event: NotificationEvent;
  /** Partner id, or `finance`. */
  recipient: string;
  to: string[];
  language: string;
  subject: string;
  text: string;
}

export interface CaseIdentity extends Parties {
  caseId: string;
  reference: string;
}

/**
 * What the stakeholders of a case should receive, worked out the way the platform is configured to
 * do it, not restated: the recipients table says who hears of an event, the partners table gives
 * each partner's mailboxes and language (the finance mailbox and the case link come from the
 * mailer's environment in the template), and the language packs say what the email reads, in
 * English when the partner's language has no pack. The partners table is only read.
 */
export const stakeholderEmails = async (stack: LocalStack) => {
  const mailer = stack.functions().find((spec) => spec.environment.FINANCE_ADDRESS !== undefined);
  if (mailer === undefined) throw new Error('no function of the template has FINANCE_ADDRESS: where is the mailer?');
  const {
    FINANCE_ADDRESS: financeAddress,
    CASE_BASE_URL: caseBaseUrl,
    PARTNERS_TABLE_NAME: partnersTable,
  } = mailer.environment as Record<string, string>;
  const client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb });
  const partners = new PartnerRepository(DynamoDBDocumentClient.from(client), partnersTable!);
  const coordinatorIds = await partners.activeIdsWithRole('coordinator');

  const mailboxOf = async (recipient: string): Promise<{ to: string[]; language: string }> => {
    if (recipient === 'finance') return { to: [financeAddress!], language: defaultLanguage };
    const partner = await partners.get(recipient);
    if (partner === undefined) throw new Error(`partner ${recipient} is not in the partners table`);
    return { to: partner.emails, language: partner.language };
  };

  return {
    coordinatorIds,

    /** The emails one event of the case should send, one per recipient. */
    async expectedFor(event: NotificationEvent, identity: CaseIdentity): Promise<ExpectedEmail[]> {
      return Promise.all(
        recipientsFor(event, identity, coordinatorIds).map(async (recipient) => {
          const id = recipient.role === 'finance' ? 'finance' : recipient.partnerId;
          const mailbox = await mailboxOf(id);
          const pack = (await loadLanguagePack(mailbox.language)) ?? (await loadLanguagePack(defaultLanguage))!;
          const email = renderEmail(pack, event, recipient.role, {
            reference: identity.reference,
            link: `${caseBaseUrl!.replace(/\/+$/, '')}/${identity.caseId}`,
          });
          return { event, recipient: id, to: mailbox.to, language: email.language, subject: email.subject, text: email.text };
        })
      );
    },

    /** Every email in the stack's SES inbox. */
    async inbox(): Promise<StoredEmail[]> {
      const response = await fetch(stack.inboxJsonUrl);
      return ((await response.json()) as { emails: StoredEmail[] }).emails;
    },

    close: () => client.destroy(),
  };
};

/** The inbox's emails that are this expected one: same mailboxes, same subject, same text. */
export const deliveriesOf = (expected: ExpectedEmail, inbox: readonly StoredEmail[]): StoredEmail[] =>
  inbox.filter(
    (email) =>
      [...email.destination.to].sort().join(',') === [...expected.to].sort().join(',') &&
      email.subject === expected.subject &&
      email.body.text?.trim() === expected.text.trim()
  );

/** The subject of every case event in every language the mailer has, for one reference. */
export const allEventSubjects = async (reference: string): Promise<Set<string>> => {
  const languages = readdirSync(new URL('../../../functions/domain/notifications/templates/', import.meta.url)).map((file) =>
    file.replace(/\.ts$/, '')
  );
  const subjects = new Set<string>();
  for (const language of languages) {
    const pack = (await loadLanguagePack(language))!;
    for (const event of caseEvents) {
      subjects.add(renderEmail(pack, event, recipientsByEvent[event][0]!, { reference, link: '' }).subject);
    }
  }
  return subjects;
};
