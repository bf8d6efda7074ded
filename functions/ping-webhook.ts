import { documentClient } from '#adapters/dynamodb';
import { sqsClient } from '#adapters/sqs';
import { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { conflict } from '#commons/problem';
import { deliveryView, endpointForCaller } from '#commons/webhook-endpoints';
import { pingPayloadOf } from '#domain/webhook-events';
import { deliveryIdOf, newPingEventId } from '#domain/webhook-ids';
import { rolesFor } from '#events/routes';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));
const queue = new WebhookDeliveryQueue(sqsClient, requiredEnv('WEBHOOK_DELIVERIES_QUEUE_URL'));

/** A `ping` delivery, made and queued like an event's: the answer is the delivery, to follow in `deliveries`. */
const pingWebhook = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const endpoint = await endpointForCaller(webhooks, event, context.partner);
  if (endpoint.status !== 'active') throw conflict('The webhook is disabled: register it again to receive events.', {}, endpoint.status);
  const now = new Date();
  const eventId = newPingEventId();
  const delivery = {
    deliveryId: deliveryIdOf(eventId, endpoint.endpointId),
    endpointId: endpoint.endpointId,
    partnerId: endpoint.partnerId,
    eventId,
    type: 'ping' as const,
    payload: JSON.stringify(pingPayloadOf(eventId, endpoint.endpointId, now.toISOString())),
    status: 'pending' as const,
    attempts: 0,
    history: [],
    createdAt: now.toISOString(),
    nextAttemptAt: now.toISOString(),
    token: eventId,
  };
  await webhooks.createDelivery(delivery);
  await queue.send({
    deliveryId: delivery.deliveryId,
    endpointId: delivery.endpointId,
    partnerId: delivery.partnerId,
    token: delivery.token,
    notBefore: delivery.createdAt,
  });
  return json(202, deliveryView(delivery));
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/webhooks/{id}/ping')))
  .handler(pingWebhook);
