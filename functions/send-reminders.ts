import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { PartnerRepository } from '#adapters/partner-repository';
import { ReminderRepository } from '#adapters/reminder-repository';
import { sqsClient } from '#adapters/sqs';
import { requiredEnv } from '#commons/env';
import { logger, observed } from '#commons/powertools';
import { overdueItems, remindableStatuses, reminderMessages } from '#domain/reminders';

const reminders = new ReminderRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));
const queue = new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL'));

/** A claim older than this belongs to a run that died between claiming and sending: it is taken over. */
const staleClaimMs = 15 * 60 * 1000;

/** The scheduled event EventBridge sends; its `time` is the day the run is for. */
const scheduledEventSchema = z.object({ time: z.iso.datetime() });

/**
 * The daily reminders job (an EventBridge schedule): finds plans and monitoring visits that are
 * overdue and reminds the receiving partner and the coordinators of each, once. A run that meets
 * an item already reminded skips it, so running twice the same day, or a retry after a failure,
 * sends nothing twice. An item whose reminder could not be sent is released for the next run and
 * the run fails, which raises the function's errors alarm.
 */
const sendReminders = async (event: unknown): Promise<{ casesChecked: number; remindersSent: number }> => {
  const now = new Date(scheduledEventSchema.parse(event).time);
  const today = now.toISOString().slice(0, 10);
  let casesChecked = 0;
  let remindersSent = 0;
  let failures = 0;
  // Looked up once per run, and only if something is overdue.
  let coordinators: Promise<string[]> | undefined;
  const coordinatorIds = () => (coordinators ??= partners.activeIdsWithRole('coordinator'));
  for (const status of remindableStatuses) {
    for (const caseId of await reminders.caseIdsInStatus(status)) {
      const deadlines = await reminders.deadlinesOf(caseId);
      if (deadlines === undefined) continue;
      casesChecked += 1;
      for (const overdue of overdueItems(deadlines.case, deadlines.visits, today)) {
        if (deadlines.reminded.has(overdue.item)) continue;
        if (!(await reminders.claim(caseId, overdue.item, now, staleClaimMs))) continue;
        try {
          await queue.send(reminderMessages(deadlines.case, overdue, await coordinatorIds()));
        } catch (error) {
          failures += 1;
          logger.error('reminder not sent', { caseId, item: overdue.item, errorName: (error as Error).name });
          await reminders.release(caseId, overdue.item);
          continue;
        }
        await reminders.markSent(caseId, overdue.item, now);
        remindersSent += 1;
        logger.info('reminder sent', { caseId, item: overdue.item, event: overdue.event });
      }
    }
  }
  if (failures > 0) throw new Error(`${failures} reminders could not be sent; they are retried on the next run`);
  logger.info('reminders run done', { today, casesChecked, remindersSent });
  return { casesChecked, remindersSent };
};

export const handler = middy<unknown, { casesChecked: number; remindersSent: number }, Error, Context>()
  .use(observed())
  .handler(sendReminders);
