import { PageCursors } from '#adapters/cursor';
import { documentClient } from '#adapters/dynamodb';
import { StageSecrets } from '#adapters/stage-secret';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseQuery, partnerWithRole } from '#commons/http';
import { deliveryView, endpointForCaller } from '#commons/webhook-endpoints';
import { rolesFor } from '#events/routes';
import { defaultDeliveryPageSize, deliveriesQuerySchema } from '#events/webhooks';

const tableName = requiredEnv('WEBHOOKS_TABLE_NAME');
// The cursors are sealed with a stage secret kept in the webhooks table itself (functions/adapters/stage-secret.ts).
const webhooks = new WebhookRepository(documentClient, tableName, new PageCursors(new StageSecrets(documentClient, tableName)));

const listDeliveries = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const query = parseQuery(event, deliveriesQuerySchema);
  const endpoint = await endpointForCaller(webhooks, event, context.partner);
  const page = await webhooks.pageDeliveries(endpoint.endpointId, {
    limit: query.limit ?? defaultDeliveryPageSize,
    cursor: query.cursor,
    caller: context.partner.partnerId,
  });
  return json(200, { items: page.items.map(deliveryView), ...(page.nextCursor === undefined ? {} : { cursor: page.nextCursor }) });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/webhooks/{id}/deliveries')))
  .handler(listDeliveries);
