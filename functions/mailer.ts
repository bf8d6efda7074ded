import { setTimeout as wait } from 'node:timers/promises';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, IdempotencyPersistenceLayerError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { documentClient, dynamoDbClient } from '#adapters/dynamodb';
import { MailSender, sesClient } from '#adapters/mail-sender';
import { PartnerRepository } from '#adapters/partner-repository';
import { requiredEnv } from '#commons/env';
import { lostRace, optimistically } from '#commons/optimistic';
import { countFigure, logger, observed, recordFigures } from '#commons/powertools';
import type { EmailSkipReason } from '#domain/business-metrics';
import { deliverableAddressesOf } from '#domain/mail-feedback';
import { defaultLanguage, loadLanguagePack, type RenderedEmail, renderNotification } from '#domain/notifications/emails';
import { type NotificationMessage, notificationMessageSchema } from '#events/notification';

/**
 * Sends each notification message of the queue as one email, once. The sent record is a
 * Powertools idempotency record keyed on the notification id and holding SES's message id:
 * a redelivered or duplicated message finds it and sends nothing. See README "Notifications" for
 * what happens between SES accepting an email and the record being written (`recordLate`).
 */
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));
// Through the stage's configuration set, whose bounce and complaint events come back to functions/ses-feedback.ts.
const mail = new MailSender(sesClient, requiredEnv('SENDER_ADDRESS'), requiredEnv('MAIL_CONFIGURATION_SET'));
const financeAddress = requiredEnv('FINANCE_ADDRESS');
const links = { caseBaseUrl: requiredEnv('CASE_BASE_URL').replace(/\/+$/, '') };

const sentRecords = new IdempotencyConfig({
  eventKeyJmesPath: 'notificationId',
  throwOnNoIdempotencyKey: true,
  // Longer than a message can live in the queue and its dead-letter queue (4 + 14 days),
  // so even a message redriven from the dead-letter queue finds its record.
  expiresAfterSeconds: 19 * 24 * 60 * 60,
});

type Sent = { outcome: 'sent'; sesMessageId: string; language: string };
type Delivery = Sent | { outcome: 'skipped'; reason: EmailSkipReason };

interface Mailbox {
  to: string[];
  language: string;
}

/** Where the email goes and in which language; a missing partner is a fault that must reach the dead-letter queue. */
const mailboxOf = async (message: NotificationMessage): Promise<Mailbox | EmailSkipReason> => {
  if (message.recipient.role === 'finance') return { to: [financeAddress], language: defaultLanguage };
  const partner = await partners.get(message.recipient.partnerId);
  if (partner === undefined) throw new Error(`partner ${message.recipient.partnerId} does not exist`);
  if (partner.status !== 'active') return 'partner-disabled';
  // Addresses SES reported as bouncing or complaining get nothing more (functions/ses-feedback.ts).
  const to = deliverableAddressesOf(partner);
  if (to.length === 0) return 'mailbox-failing';
  return { to, language: partner.language };
};

const render = async (message: NotificationMessage, language: string): Promise<RenderedEmail> => {
  const pack = (await loadLanguagePack(language)) ?? (await loadLanguagePack(defaultLanguage));
  if (pack === undefined) throw new Error(`no ${defaultLanguage} templates`);
  if (pack.language !== language) {
    logger.warn('no templates in the partner language, sent in the default language', {
      notificationId: message.notificationId,
      language,
      sentIn: pack.language,
    });
  }
  return renderNotification(pack, message, links);
};

/** What a log line may say of a message: its ids, references and codes. */
const idsOf = (message: NotificationMessage) => ({
  notificationId: message.notificationId,
  kind: message.kind,
  event: message.event,
  role: message.recipient.role,
  partnerId: message.recipient.role === 'finance' ? undefined : message.recipient.partnerId,
  ...(message.kind === 'payment_digest'
    ? { day: message.day }
    : message.kind === 'partner'
      ? { aboutPartner: message.partnerId, failure: message.failure }
      : message.kind === 'webhook'
        ? { webhookId: message.webhookId }
        : { caseId: message.caseId, reference: message.reference }),
  ...(message.kind === 'payment' ? { paymentId: message.paymentId } : {}),
  ...(message.kind === 'reminder' ? { item: message.item } : {}),
});

const sentRecordStore = new DynamoDBPersistenceLayer({
  tableName: requiredEnv('IDEMPOTENCY_TABLE_NAME'),
  awsSdkV3Client: dynamoDbClient,
});

const deliverOnce = makeIdempotent(
  async (message: NotificationMessage, onAccepted: (sent: Sent) => void): Promise<Delivery> => {
    const mailbox = await mailboxOf(message);
    // A partner switched off (offboarded, key revoked) is not sent case news; nor is a mailbox
    // that only bounces. Counted here, inside the idempotent step, so a repeat is not counted again.
    if (typeof mailbox === 'string') {
      recordFigures([{ name: 'EmailsSkipped', dimensions: { reason: mailbox } }]);
      return { outcome: 'skipped', reason: mailbox };
    }
    const email = await render(message, mailbox.language);
    const sent: Sent = { outcome: 'sent', sesMessageId: await mail.send(mailbox.to, email), language: email.language };
    onAccepted(sent);
    countFigure('EmailsSent');
    return sent;
  },
  {
    persistenceStore: sentRecordStore,
    config: sentRecords,
    // Not the function name: a renamed function must still find the records of what was sent.
    keyPrefix: 'notification',
  }
);

const parseMessage = (record: SQSRecord): NotificationMessage => {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new Error(`message ${record.messageId} is not JSON`);
  }
  const parsed = notificationMessageSchema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(message)').join(', ');
    throw new Error(`message ${record.messageId} does not match the notification contract (${fields})`);
  }
  return parsed.data;
};

/** Spacing of the late record's attempts, and the time kept back so that the last one ends within the invocation. */
const lateRecordSpacingMs = 2_000;
const lateRecordReserveMs = 5_000;

/**
 * SES took the email but its record could not be written (DynamoDB failing or restarting). Without
 * the record, a later copy of the message (a duplicate delivery, a stream record retried upstream)
 * would find only an expired in-progress record and send the email again, so the write is tried
 * again every two seconds for as long as the invocation allows: an outage shorter than that delays
 * the record instead of losing it. Answers whether it was written.
 */
const recordLate = async (message: NotificationMessage, sent: Sent, context: Context): Promise<boolean> => {
  const attempts = Math.max(1, Math.floor((context.getRemainingTimeInMillis() - lateRecordReserveMs) / lateRecordSpacingMs));
  try {
    return await optimistically(
      async () => {
        try {
          await sentRecordStore.saveSuccess(message, sent);
          return true;
        } catch {
          return lostRace;
        }
      },
      { attempts, exhausted: () => new Error('record not written'), backOff: () => wait(lateRecordSpacingMs) }
    );
  } catch {
    return false;
  }
};

const deliver = async (record: SQSRecord, context: Context): Promise<void> => {
  const message = parseMessage(record);
  const ids = idsOf(message);
  let accepted: Sent | undefined;
  try {
    const delivery = await deliverOnce(message, (sent) => {
      accepted = sent;
    });
    logger.info(`notification ${delivery.outcome}`, { ...ids, ...delivery });
  } catch (error) {
    if (accepted !== undefined && error instanceof IdempotencyPersistenceLayerError) {
      // Reporting a failure would have SQS deliver the message again and the email sent twice, so
      // the message counts as processed either way; if the record is still missing, the log line is it.
      if (await recordLate(message, accepted, context)) {
        logger.warn('notification sent, recorded late', { ...ids, ...accepted });
      } else {
        logger.error('notification sent but not recorded', { ...ids, ...accepted });
      }
      return;
    }
    const errorName = error instanceof Error ? error.name : 'unknown';
    logger.warn('notification not sent', { ...ids, errorName });
    // The error text stays ids-only: SES messages can quote addresses.
    throw new Error(`notification ${message.notificationId} not sent (${errorName})`);
  }
};

/**
 * Middleware first, handler last, as functions/commons/stream.ts does for the stream consumers. A
 * processor per invocation: it holds the batch's state, and the local stack and the tests may run
 * invocations of one module at once.
 */
export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observed())
  .handler((event, context) => {
    sentRecords.registerLambdaContext(context);
    return processPartialResponse(event, deliver, new BatchProcessor(EventType.SQS), { context });
  });
