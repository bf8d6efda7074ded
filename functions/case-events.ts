import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { PartnerRepository } from '#adapters/partner-repository';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { eventConsumer } from '#commons/event-consumer';
import { logger } from '#commons/powertools';
import { caseChangeOfEvent, notificationsFor } from '#domain/notifications/messages';
import { needsCoordinators, recipientsFor } from '#domain/notifications/recipients';
import type { DomainEventOf } from '#events/domain-events';

/**
 * Turns each status change of a case (`referral.status_changed`) and each offer to a receiving
 * partner without a status change (`referral.offered`) into one notification message per recipient
 * on the notifications queue. Its rule is in infra/constructs/stakeholder-notifications.ts.
 */
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));
const queue = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

type CaseEventTaken = DomainEventOf<'referral.status_changed' | 'referral.offered'>;

const queueNotifications = async (event: CaseEventTaken, coordinatorIds: () => Promise<string[]>): Promise<void> => {
  const change = caseChangeOfEvent(event);
  if (change === undefined) return;
  const coordinators = needsCoordinators(change.event) ? await coordinatorIds() : [];
  const messages = notificationsFor(change, recipientsFor(change.event, change.case, coordinators));
  await queue.send(messages);
  logger.info('notifications queued', {
    caseId: change.case.caseId,
    reference: change.case.reference,
    caseVersion: change.case.version,
    event: change.event,
    notificationIds: messages.map((message) => message.notificationId),
  });
};

export const handler = eventConsumer('case-events', ['referral.status_changed', 'referral.offered'], () => {
  // Looked up once per batch, and only if some change in it is told to the coordinators.
  let coordinators: Promise<string[]> | undefined;
  const coordinatorIds = () => (coordinators ??= partners.activeIdsWithRole('coordinator'));
  return (event) => queueNotifications(event, coordinatorIds);
});
