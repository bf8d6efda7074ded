import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { WebhookRepository } from '#adapters/webhook-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { notFound } from '#commons/problem';
import { endpointForCaller } from '#commons/webhook-endpoints';
import { sealSecret } from '#commons/webhook-secrets';
import { webhookSettingsFromEnvironment } from '#commons/webhook-settings';
import { newWebhookSecret } from '#domain/webhook-ids';
import { rolesFor } from '#events/routes';

const webhooks = new WebhookRepository(documentClient, requiredEnv('WEBHOOKS_TABLE_NAME'));
const sealer = personalDataCipherFromEnvironment();
const settings = webhookSettingsFromEnvironment();

/**
 * A new secret, shown once. The one it replaces keeps signing for the stage's overlap: its sealed
 * value moves over as it is (still bound to the endpoint), so this function never opens a secret.
 */
const rotateSecret = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const endpoint = await endpointForCaller(webhooks, event, context.partner);
  const secret = newWebhookSecret();
  const previousSecretValidUntil = new Date(Date.now() + settings.secretOverlapSeconds * 1000).toISOString();
  const rotated = await webhooks.rotateSecret(context.partner.partnerId, endpoint.endpointId, {
    secret: await sealSecret(sealer, endpoint.endpointId, secret),
    previous: endpoint.secret,
    previousValidUntil: previousSecretValidUntil,
  });
  if (!rotated) throw notFound('There is no webhook with this id for your organisation.');
  return json(200, { id: endpoint.endpointId, secret, previousSecretValidUntil }, { 'Cache-Control': 'no-store' });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/webhooks/{id}/rotate-secret')))
  .handler(rotateSecret);
