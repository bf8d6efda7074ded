import { documentClient } from '#adapters/dynamodb';
import { sqsClient } from '#adapters/sqs';
import { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { conflict, notFound } from '#commons/problem';
import { deliveryView, endpointForCaller, startDelivery } from '#commons/webhook-endpoints';
import { rolesFor } from '#events/routes';
import { deliveryId } from '#events/webhooks';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));
const queue = new WebhookDeliveryQueue(sqsClient, requiredEnv('WEBHOOK_DELIVERIES_QUEUE_URL'));

/**
 * Sends a delivery again now, whatever its status, with the same `webhook-id` and body, retried on
 * the whole schedule if it fails again. It goes back to `pending` under a new token, so a retry of
 * it still waiting in the queue does nothing.
 */
const redeliver = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const endpoint = await endpointForCaller(webhooks, event, context.partner);
  const id = deliveryId.safeParse(event.pathParameters?.deliveryId);
  const delivery = id.success ? await webhooks.getDelivery(endpoint.endpointId, id.data) : undefined;
  if (delivery === undefined) throw notFound('There is no delivery with this id for this webhook.');
  if (endpoint.status !== 'active') throw conflict('The webhook is disabled: register it again to receive events.', {}, endpoint.status);
  const now = new Date();
  if (!(await startDelivery({ webhooks, queue }, delivery, now))) throw notFound('There is no delivery with this id for this webhook.');
  return json(202, deliveryView({ ...delivery, status: 'pending', nextAttemptAt: now.toISOString() }));
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver')))
  .handler(redeliver);
