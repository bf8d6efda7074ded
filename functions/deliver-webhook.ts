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
import { observed } from '#commons/powertools';
import { attemptDelivery } from '#commons/webhook-delivery';
import { webhookSettingsFromEnvironment } from '#commons/webhook-settings';
import { webhookDeliveryMessageSchema } from '#events/webhooks';

/**
 * The webhook delivery worker: one queue message is one attempt of one delivery
 * (functions/commons/webhook-delivery.ts). The messages of a batch are handled at once, so an
 * endpoint that takes its full timeout holds up no other endpoint's delivery; only the messages to
 * one endpoint about one case wait for each other, in queue order, so that a case's changes reach a
 * partner in the order they happened. A message that throws (a table or queue fault, never a
 * receiver's answer) is reported and comes back.
 */
const deps = {
  webhooks: new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME')),
  queue: new WebhookDeliveryQueue(sqsClient, requiredEnv('WEBHOOK_DELIVERIES_QUEUE_URL')),
  notifications: new NotificationQueue(sqsClient, requiredEnv('NOTIFICATIONS_QUEUE_URL')),
  opener: personalDataCipherFromEnvironment(),
  settings: webhookSettingsFromEnvironment(),
};

/** Runs each record's attempt after the batch's earlier ones to the same endpoint about the same case. */
const inOrder = () => {
  const chains = new Map<string, Promise<unknown>>();
  return (record: SQSRecord): Promise<unknown> => {
    const parsed = webhookDeliveryMessageSchema.safeParse(JSON.parse(record.body));
    if (!parsed.success) return Promise.reject(new Error(`message ${record.messageId} is not a webhook delivery message`));
    const message = parsed.data;
    const key = message.orderKey === undefined ? record.messageId : `${message.endpointId}:${message.orderKey}`;
    const attempt = (chains.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => attemptDelivery(deps, message));
    chains.set(key, attempt);
    return attempt;
  };
};

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(observed())
  .handler((event, context) =>
    processPartialResponse(event, inOrder(), new BatchProcessor(EventType.SQS), { context, processInParallel: true })
  );
