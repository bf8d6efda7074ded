import type { DynamoDBRecord } from 'aws-lambda';
import { isCaseItemRecord } from '#adapters/case-items';
import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { PartnerRepository } from '#adapters/partner-repository';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { streamConsumer, streamImage } from '#commons/stream';
import { caseChangeOf, notificationsFor } from '#domain/notifications/messages';
import { needsCoordinators, recipientsFor } from '#domain/notifications/recipients';
import { caseChangeImageSchema } from '#events/notification';

/**
 * Turns each status change of a case (and each reassignment) into one notification message per
 * recipient on the notifications queue. The template's filter selects INSERT and MODIFY records of
 * case items; a filter cannot compare two images, so whether anything changed is decided here.
 */
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));
const queue = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

const queueNotifications = async (record: DynamoDBRecord, coordinatorIds: () => Promise<string[]>): Promise<void> => {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return;
  if (!isCaseItemRecord(record)) return;
  const change = caseChangeOf(
    streamImage(record, 'OldImage', caseChangeImageSchema),
    streamImage(record, 'NewImage', caseChangeImageSchema)
  );
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

export const handler = streamConsumer(() => {
  // Looked up once per batch, and only if some change in it is told to the coordinators.
  let coordinators: Promise<string[]> | undefined;
  const coordinatorIds = () => (coordinators ??= partners.activeIdsWithRole('coordinator'));
  return (record) => queueNotifications(record, coordinatorIds);
});
