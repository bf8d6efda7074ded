import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PartnerRepository } from '#adapters/partner-repository';
import { sqsClient } from '#adapters/sqs';
import { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { eventConsumer } from '#commons/event-consumer';
import { fanOut } from '#commons/webhook-fanout';
import { webhookSettingsFromEnvironment } from '#commons/webhook-settings';
import { subscribableTypes } from '#events/webhooks';

/**
 * Turns each domain event partners may subscribe to into one delivery per endpoint that asked for
 * its type and whose partner may see what it is about (functions/commons/webhook-fanout.ts). Its
 * rule and queue: infra/constructs/partner-webhooks.ts.
 */
const deps = {
  webhooks: new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME')),
  partners: new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME')),
  // Without a cipher: a case reads with its person withheld, and only its parties are used.
  cases: new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  queue: new WebhookDeliveryQueue(sqsClient, requiredEnv('WEBHOOK_DELIVERIES_QUEUE_URL')),
  settings: webhookSettingsFromEnvironment(),
};

export const handler = eventConsumer('webhook-fanout', subscribableTypes, () => fanOut(deps));
