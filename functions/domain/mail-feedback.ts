import type { FailingMailbox, PartnerItem } from '#events/partner';
import type { SesFeedbackEnvelope } from '#events/ses-feedback';

/**
 * What SES feedback means for the partners' mailboxes. A permanent bounce says the address does not
 * take mail, and a complaint that the mailbox's owner marked the email as spam: either way, sending
 * on would only hurt the stage's sending reputation, so the address is marked failing and the
 * mailer skips it. A transient or undetermined bounce (a full mailbox, a timeout) marks nothing:
 * SES has retried it already and the next email may well arrive.
 */
export interface MailboxFeedback {
  kind: FailingMailbox['kind'];
  addresses: string[];
}

export const mailboxFeedbackOf = (envelope: SesFeedbackEnvelope): MailboxFeedback | undefined => {
  const { detail } = envelope;
  if (detail.eventType === 'Complaint') return { kind: 'complaint', addresses: detail.complaint.complainedRecipients.map(addressOf) };
  if (detail.bounce.bounceType !== 'Permanent') return undefined;
  return { kind: 'bounce', addresses: detail.bounce.bouncedRecipients.map(addressOf) };
};

/** Addresses compare without case: SES reports them as the receiving server spelled them. */
const addressOf = (recipient: { emailAddress: string }): string => recipient.emailAddress.trim().toLowerCase();

const sameAddress = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The partner's addresses among those reported (as the partner record spells them). */
export const reportedAddressesOf = (partner: PartnerItem, feedback: MailboxFeedback): string[] =>
  partner.emails.filter((email) => feedback.addresses.some((address) => sameAddress(email, address)));

/** The partner with the reported addresses marked failing, or undefined when they all are already. */
export const withFailingMailboxes = (partner: PartnerItem, addresses: readonly string[], kind: FailingMailbox['kind'], now: Date) => {
  const failing = partner.failingMailboxes ?? [];
  const added = addresses.filter((address) => !failing.some((mailbox) => sameAddress(mailbox.address, address)));
  if (added.length === 0) return undefined;
  return { ...partner, failingMailboxes: [...failing, ...added.map((address) => ({ address, kind, since: now.toISOString() }))] };
};

/** The addresses the mailer may still send to: the partner's, less those marked failing. */
export const deliverableAddressesOf = (partner: PartnerItem): string[] =>
  partner.emails.filter((email) => !(partner.failingMailboxes ?? []).some((mailbox) => sameAddress(mailbox.address, email)));
