import { NotificationQueue } from '#adapters/notification-queue';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { eventConsumer } from '#commons/event-consumer';
import { logger } from '#commons/powertools';
import { paymentChangeOfEvent, paymentNotifications } from '#domain/payment-notifications';
import type { DomainEventOf } from '#events/domain-events';

const notifications = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

const notifyOfChange = async (event: DomainEventOf<'payment.status_changed'>): Promise<void> => {
  const { before, after } = paymentChangeOfEvent(event);
  const messages = paymentNotifications(before, after);
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
 * Turns payments' status changes (`payment.status_changed`, routed to its queue by
 * infra/constructs/payment-processing.ts) into notifications for finance and the requester: the
 * event is published from the committed change, so the change and the notification cannot drift apart.
 */
export const handler = eventConsumer('payment-events', ['payment.status_changed'], () => notifyOfChange);
