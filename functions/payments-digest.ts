import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { PaymentDigestRepository } from '#adapters/payment-digest-repository';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { logger, observed } from '#commons/powertools';
import { paymentDigest } from '#domain/payment-notifications';
import { todayIso } from '#events/dates';

const digests = new PaymentDigestRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
const notifications = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

/** A claim older than this was left by an invocation that died before sending; another may take over. */
const staleClaimMs = 15 * 60 * 1000;

/**
 * Finance's daily digest of every payment still open. EventBridge invokes it once a day (and
 * retries on failure), so the day's marker item decides whether it already went out: claimed
 * before sending, marked sent after, given back if sending failed. The notification id is the
 * day's, so even a claim taken over from a dead invocation makes one email.
 */
export const handler = middy<ScheduledEvent, { day: string; outcome: 'sent' | 'nothing-open' | 'already-sent' }, Error, Context>()
  .use(observed())
  .handler(async (event) => {
    const now = new Date();
    const day = todayIso(new Date(event.time));
    if (!(await digests.claimDigest(day, now, staleClaimMs))) {
      logger.info('payment digest already sent', { day });
      return { day, outcome: 'already-sent' };
    }
    try {
      const open = await digests.openPayments();
      const digest = paymentDigest(day, open);
      if (digest !== undefined) await notifications.send([digest]);
      await digests.markDigestSent(day, now);
      logger.info('payment digest done', { day, open: open.length, notificationId: digest?.notificationId });
      return { day, outcome: digest === undefined ? 'nothing-open' : 'sent' };
    } catch (error) {
      await digests.releaseDigestClaim(day);
      throw error;
    }
  });
