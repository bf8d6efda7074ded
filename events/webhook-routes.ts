import type { ApiRoute } from './routes.ts';
import { deliveriesQuerySchema, webhookRegistrationSchema } from './webhooks.ts';

/**
 * The routes of partner webhooks, part of the route table (events/routes.ts spreads them in). Any
 * partner manages its own endpoints; another partner's endpoint is 404, as if it did not exist.
 */
export const webhookRoutes = [
  {
    method: 'POST',
    path: '/v1/webhooks',
    handler: 'register-webhook',
    permission: 'webhook.manage',
    summary:
      'Register an HTTPS endpoint for the events you choose; the answer shows its signing secret this once. The URL must resolve to public addresses only and must not redirect',
    body: webhookRegistrationSchema,
    successStatus: 201,
    answers: ['rule'],
  },
  {
    method: 'GET',
    path: '/v1/webhooks',
    handler: 'list-webhooks',
    permission: 'webhook.read',
    summary: "Your organisation's webhook endpoints",
    successStatus: 200,
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}',
    handler: 'get-webhook',
    permission: 'webhook.read',
    summary: 'One of your webhook endpoints',
    successStatus: 200,
  },
  {
    method: 'DELETE',
    path: '/v1/webhooks/{id}',
    handler: 'delete-webhook',
    permission: 'webhook.manage',
    summary: 'Remove a webhook endpoint: nothing more is sent to it',
    successStatus: 204,
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/rotate-secret',
    handler: 'rotate-webhook-secret',
    permission: 'webhook.manage',
    summary: 'A new signing secret, shown this once; for 24 hours each request is signed with the previous secret too',
    successStatus: 200,
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/ping',
    handler: 'ping-webhook',
    permission: 'webhook.manage',
    summary: 'Send a signed `ping` event to the endpoint (an active one), delivered and retried like any other',
    successStatus: 202,
    answers: ['currentStatus'],
  },
  {
    method: 'GET',
    path: '/v1/webhooks/{id}/deliveries',
    handler: 'list-webhook-deliveries',
    permission: 'webhook.read',
    summary: 'The deliveries to the endpoint with their attempts (status, HTTP status, next attempt)',
    query: deliveriesQuerySchema,
    successStatus: 200,
  },
  {
    method: 'POST',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    handler: 'redeliver-webhook',
    permission: 'webhook.manage',
    summary: 'Send a delivery again now (with the same webhook-id), whatever its status; the endpoint must be active',
    successStatus: 202,
    answers: ['currentStatus'],
  },
] as const satisfies readonly ApiRoute[];
