import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { documentClient } from '#adapters/dynamodb';
import { NotificationQueue } from '#adapters/notification-queue';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { sqsClient } from '#adapters/sqs';
import { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { logger, observed } from '#commons/powertools';
import { type AttemptOutcome, attemptDelivery } from '#commons/webhook-delivery';
import { webhookSettingsFromEnvironment } from '#commons/webhook-settings';
import { webhookDeliveryMessageSchema } from '#events/webhooks';

/**
 * The webhook delivery worker: one queue message is one attempt of one delivery
 * (functions/commons/webhook-delivery.ts). The messages of a batch are handled at once, so an
 * endpoint that takes its full timeout holds up no other endpoint's delivery; the order of one
 * endpoint's deliveries about one case is kept by the deliveries themselves (an attempt whose turn
 * has not come goes back to the queue), across batches and retries. A message that throws (a table
 * or queue fault, never a receiver's answer) is logged by its error's name and message and comes back.
 */
const deps = {
  webhooks: new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME')),
  queue: new WebhookDeliveryQueue(sqsClient, requiredEnv('WEBHOOK_DELIVERIES_QUEUE_URL')),
  notifications: new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL')),
  opener: personalDataCipherFromEnvironment(),
  settings: webhookSettingsFromEnvironment(),
};

const attempt = async (record: SQSRecord): Promise<AttemptOutcome> => {
  try {
    const parsed = webhookDeliveryMessageSchema.safeParse(JSON.parse(record.body));
    if (!parsed.success) throw new Error(`message ${record.messageId} is not a webhook delivery message`);
    return await attemptDelivery(deps, parsed.data);
  } catch (error) {
    // The batch answer names the message only: its error is told here, without the message's body.
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    logger.error('webhook attempt failed', { messageId: record.messageId, error: { name, message } });
    throw error;
  }
};

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observed())
  .handler((event, context) =>
    processPartialResponse(event, attempt, new BatchProcessor(EventType.SQS), { context, processInParallel: true })
  );
