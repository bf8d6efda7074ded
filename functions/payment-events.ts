import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { NotificationQueue } from '#adapters/notification-queue';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { streamConsumer, streamImage } from '#commons/stream';
import { paymentNotifications } from '#domain/payment-notifications';
import { paymentChangeImageSchema } from '#events/notification';
import { paymentItemSchema } from '#events/payment';

const notifications = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

const paymentStatusSchema = z.pick(paymentItemSchema, { status: true });

const notifyOfChange = async (record: DynamoDBRecord): Promise<void> => {
  const after = streamImage(record, 'NewImage', paymentChangeImageSchema);
  if (after === undefined) return;
  const messages = paymentNotifications(streamImage(record, 'OldImage', paymentStatusSchema), after);
  if (messages.length === 0) return;
  await notifications.send(messages);
  logger.info('payment notifications queued', {
    paymentId: after.paymentId,
    status: after.status,
    events: messages.map((message) => message.event),
    notificationIds: messages.map((message) => message.notificationId),
  });
};

/**
 * Turns payments' status changes on the cases table's stream into notifications: the change and
 * the notification cannot drift apart, because the notification is read from the committed change.
 * Wired with filters on payment items (functions/adapters/payment-items.ts), partial batch failures,
 * bisect and an on-failure queue.
 */
export const handler = streamConsumer(() => notifyOfChange);
