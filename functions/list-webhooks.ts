import { documentClient } from '#adapters/dynamodb';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { webhookView } from '#commons/webhook-endpoints';
import { rolesFor } from '#events/routes';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));

/** The caller's endpoints (ten at most, so one answer), oldest first, never their secrets. */
const listWebhooks = async (_event: unknown, context: PartnerRequestContext): Promise<ApiResult> => {
  const endpoints = await webhooks.endpointsOf(context.partner.partnerId);
  const items = endpoints.sort((left, right) => left.createdAt.localeCompare(right.createdAt)).map(webhookView);
  return json(200, { items });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/webhooks')))
  .handler(listWebhooks);
