import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { PartnerRepository } from '#adapters/partner-repository';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { logger, observed, recordFigures } from '#commons/powertools';
import { mailboxFeedbackOf, reportedAddressesOf, withFailingMailboxes } from '#domain/mail-feedback';
import { partnerMailboxNotifications } from '#domain/notifications/messages';
import type { PartnerItem } from '#events/partner';
import { sesFeedbackEnvelopeSchema } from '#events/ses-feedback';

/**
 * SES bounce and complaint feedback, from the stage's configuration set through the default bus
 * and this function's queue (infra/constructs/mail-identity.ts). A partner address that bounces
 * for good or complains is marked failing on the partner record, so the mailer sends nothing more
 * to it; the coordinators are told by email and ops by the MailboxesFailing alarm. Marking is
 * idempotent and the coordinators' messages have ids of the marking, so a redelivered or repeated
 * feedback changes nothing and sends nothing twice.
 */
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));
const queue = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

const feedbackOf = (record: SQSRecord) => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new Error(`message ${record.messageId} is not JSON`);
  }
  const parsed = sesFeedbackEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(message)').join(', ');
    throw new Error(`message ${record.messageId} is not SES bounce or complaint feedback (${fields})`);
  }
  return parsed.data;
};

const handleFeedback = (everyPartner: () => Promise<PartnerItem[]>) => async (record: SQSRecord) => {
  const envelope = feedbackOf(record);
  const feedback = mailboxFeedbackOf(envelope);
  const ids = { eventId: envelope.id, sesMessageId: envelope.detail.mail.messageId, type: envelope['detail-type'] };
  if (feedback === undefined) {
    logger.info('SES feedback marks no mailbox (a transient bounce)', ids);
    return;
  }
  const all = await everyPartner();
  const coordinators = all
    .filter((partner) => partner.status === 'active' && partner.roles.includes('coordinator'))
    .map((p) => p.partnerId);
  let partnersConcerned = 0;
  for (const partner of all) {
    const addresses = reportedAddressesOf(partner, feedback);
    if (addresses.length === 0) continue;
    partnersConcerned += 1;
    for (const address of addresses) {
      const now = new Date();
      const changed = await partners.change(partner.partnerId, { action: 'mailbox-failing', by: 'ses-feedback', address }, (stored) =>
        withFailingMailboxes(stored, [address], feedback.kind, now)
      );
      const marked = changed?.failingMailboxes?.find((mailbox) => mailbox.address === address);
      if (marked === undefined) continue;
      if (marked.since === now.toISOString()) recordFigures([{ name: 'MailboxesFailing', dimensions: { kind: feedback.kind } }]);
      // Queued again on a repeat: the ids are those of the marking, so the mailer sends each once.
      await queue.send(partnerMailboxNotifications(partner.partnerId, marked.kind, marked.since, coordinators));
    }
    logger.warn('partner mailbox failing', { ...ids, partnerId: partner.partnerId, kind: feedback.kind, addresses: addresses.length });
  }
  if (partnersConcerned === 0) {
    // The finance mailbox, or an address since removed from its partner: ops see it on the alarm.
    recordFigures([{ name: 'MailboxesFailing', dimensions: { kind: feedback.kind } }]);
    logger.warn('SES feedback for an address of no partner', { ...ids, kind: feedback.kind });
  }
};

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observed())
  .handler((event, context) => {
    // Read once per batch: the partners table holds tens of organisations.
    let all: Promise<PartnerItem[]> | undefined;
    const everyPartner = () => (all ??= partners.list());
    return processPartialResponse(event, handleFeedback(everyPartner), new BatchProcessor(EventType.SQS), { context });
  });
