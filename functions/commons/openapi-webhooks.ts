import type * as z from 'zod/mini';
import {
  deliveryPageSchema,
  deliveryViewSchema,
  secretRotatedSchema,
  webhookCreatedSchema,
  webhookListSchema,
  webhookPayloadSchema,
  webhookTypes,
  webhookViewSchema,
} from '#events/webhooks';

/**
 * The webhook part of the OpenAPI document (functions/commons/openapi.ts): the routes' answers, and
 * under `webhooks` what each event's request to a partner's endpoint carries, from the same schemas
 * the functions write them with (events/webhooks.ts).
 */
export const webhookResponseSchemas: Record<string, z.ZodMiniType> = {
  'POST /v1/webhooks': webhookCreatedSchema,
  'GET /v1/webhooks': webhookListSchema,
  'GET /v1/webhooks/{id}': webhookViewSchema,
  'POST /v1/webhooks/{id}/rotate-secret': secretRotatedSchema,
  'POST /v1/webhooks/{id}/ping': deliveryViewSchema,
  'GET /v1/webhooks/{id}/deliveries': deliveryPageSchema,
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': deliveryViewSchema,
};

const header = (name: string, description: string) => ({ name, in: 'header', required: true, description, schema: { type: 'string' } });

const signatureHeaders = [
  header('webhook-id', 'The delivery id: the same on every retry of one event to one endpoint. Handle each id once.'),
  header('webhook-timestamp', 'When this attempt was signed, in seconds since the epoch. Refuse requests far from your clock.'),
  header(
    'webhook-signature',
    'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `<webhook-id>.<webhook-timestamp>.<body>` (Standard Webhooks): one per secret that signs (two for a day after a rotation).'
  ),
];

export const webhookOperations = (jsonSchema: (schema: z.ZodMiniType) => Record<string, unknown>) =>
  Object.fromEntries(
    webhookTypes.map((type) => [
      type,
      {
        post: {
          operationId: `webhook-${type}`,
          summary: `\`${type}\` sent to your registered endpoints`,
          description:
            'Signed as the Standard Webhooks specification says. Answer 2xx within 10 seconds; anything else is retried with growing delays for at least 24 hours. Redirects are not followed.',
          parameters: signatureHeaders,
          requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(webhookPayloadSchema(type)) } } },
          responses: { '2XX': { description: 'Received: no further attempt.' } },
        },
      },
    ])
  );
