import { documentClient } from '#adapters/dynamodb';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { notFound } from '#commons/problem';
import { rolesFor } from '#events/routes';
import { webhookId } from '#events/webhooks';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));

/** Removes the caller's endpoint; a delivery still queued for it finds no endpoint and is marked failed. */
const deleteWebhook = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const id = webhookId.safeParse(event.pathParameters?.id);
  const deleted = id.success && (await webhooks.deleteEndpoint(context.partner.partnerId, id.data));
  if (!deleted) throw notFound('There is no webhook with this id for your organisation.');
  return { statusCode: 204 };
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('DELETE /v1/webhooks/{id}')))
  .handler(deleteWebhook);
