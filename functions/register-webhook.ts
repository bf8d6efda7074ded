import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from '#commons/http';
import { registerEndpoint } from '#commons/webhook-endpoints';
import { webhookSettingsFromEnvironment } from '#commons/webhook-settings';
import { rolesFor } from '#events/routes';
import { webhookRegistrationSchema } from '#events/webhooks';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));
const sealer = personalDataCipherFromEnvironment();
const settings = webhookSettingsFromEnvironment();

/** Registers an endpoint of the caller's; the answer is the only place its secret is ever shown. */
const registerWebhook = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const registration = parseJsonBody(event, webhookRegistrationSchema);
  const created = await registerEndpoint({ webhooks, sealer, settings }, context.partner, registration, new Date());
  return json(201, created, { 'Cache-Control': 'no-store' });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/webhooks')))
  .handler(registerWebhook);
