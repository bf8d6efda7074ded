import { describe, expect, it } from 'vitest';
import type { PartnerItem } from '../../events/partner.ts';
import { sesFeedbackEnvelopeSchema } from '../../events/ses-feedback.ts';
import {
  deliverableAddressesOf,
  mailboxFeedbackOf,
  reportedAddressesOf,
  withFailingMailboxes,
} from '../../functions/domain/mail-feedback.ts';

const envelope = (detailType: 'Email Bounced' | 'Email Complained', detail: Record<string, unknown>) =>
  sesFeedbackEnvelopeSchema.parse({
    version: '0',
    id: 'a1b2c3d4-0000-4000-8000-000000000000',
    source: 'aws.ses',
    'detail-type': detailType,
    account: '123456789012',
    region: 'eu-west-3',
    resources: [],
    detail: { ...detail, mail: { messageId: 'ses-1', destination: ['x@y.example'], tags: { 'ses:configuration-set': ['trm-dev'] } } },
  });

const bounce = (bounceType: string, ...addresses: string[]) =>
  envelope('Email Bounced', {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: 'General',
      feedbackId: 'f-1',
      bouncedRecipients: addresses.map((emailAddress) => ({ emailAddress, diagnosticCode: 'smtp; 550 user unknown' })),
    },
  });

const partner: PartnerItem = {
  partnerId: 'ngo-tirana',
  name: 'NGO Tirana',
  roles: ['receiver'],
  country: 'AL',
  language: 'en',
  emails: ['Casework@ngo-tirana.example.org', 'director@ngo-tirana.example.org'],
  status: 'active',
  keyHash: 'a'.repeat(64),
  keyCreatedAt: '2026-12-01T08:00:00.000Z',
};

describe('what SES feedback means for a mailbox', () => {
  it('a permanent bounce marks the bounced addresses, as the partner record spells them', () => {
    const feedback = mailboxFeedbackOf(bounce('Permanent', 'casework@NGO-tirana.example.org'));
    expect(feedback).toEqual({ kind: 'bounce', addresses: ['casework@ngo-tirana.example.org'] });
    expect(reportedAddressesOf(partner, feedback!)).toEqual(['Casework@ngo-tirana.example.org']);
  });

  it('a transient or undetermined bounce marks nothing', () => {
    expect(mailboxFeedbackOf(bounce('Transient', 'casework@ngo-tirana.example.org'))).toBeUndefined();
    expect(mailboxFeedbackOf(bounce('Undetermined', 'casework@ngo-tirana.example.org'))).toBeUndefined();
  });

  it('a complaint marks the complaining address', () => {
    const complaint = envelope('Email Complained', {
      eventType: 'Complaint',
      complaint: { feedbackId: 'f-2', complainedRecipients: [{ emailAddress: 'director@ngo-tirana.example.org' }] },
    });
    expect(mailboxFeedbackOf(complaint)).toEqual({ kind: 'complaint', addresses: ['director@ngo-tirana.example.org'] });
  });

  it('keeps only the addresses it reads: a diagnostic text never reaches the code', () => {
    expect(JSON.stringify(bounce('Permanent', 'casework@ngo-tirana.example.org'))).not.toContain('user unknown');
  });
});

describe('a failing mailbox', () => {
  const now = new Date('2026-12-01T10:00:00.000Z');

  it('is marked once: marking it again changes nothing', () => {
    const marked = withFailingMailboxes(partner, ['Casework@ngo-tirana.example.org'], 'bounce', now)!;
    expect(marked.failingMailboxes).toEqual([{ address: 'Casework@ngo-tirana.example.org', kind: 'bounce', since: now.toISOString() }]);
    expect(withFailingMailboxes(marked, ['casework@ngo-tirana.example.org'], 'complaint', new Date())).toBeUndefined();
  });

  it('gets no more email; the other addresses still do, until none is left', () => {
    const one = withFailingMailboxes(partner, ['Casework@ngo-tirana.example.org'], 'bounce', now)!;
    expect(deliverableAddressesOf(one)).toEqual(['director@ngo-tirana.example.org']);
    const both = withFailingMailboxes(one, ['director@ngo-tirana.example.org'], 'complaint', now)!;
    expect(deliverableAddressesOf(both)).toEqual([]);
  });
});
