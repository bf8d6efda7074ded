import { documentClient } from '#adapters/dynamodb';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { endpointForCaller, webhookView } from '#commons/webhook-endpoints';
import { rolesFor } from '#events/routes';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));

const getWebhook = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> =>
  json(200, webhookView(await endpointForCaller(webhooks, event, context.partner)));

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/webhooks/{id}')))
  .handler(getWebhook);
