import { randomUUID } from 'node:crypto';
import type { PersonalDataSealer } from '#adapters/personal-fields';
import type { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import type { DeliveryItem, EndpointItem } from '#adapters/webhook-items';
import type { WebhookRepository } from '#adapters/webhook-repository';
import { checkWebhookUrl, type WebhookTarget } from '#domain/webhook-address';
import { newWebhookSecret } from '#domain/webhook-ids';
import {
  type DeliveryView,
  maxEndpointsPerPartner,
  type WebhookCreated,
  type WebhookRegistration,
  type WebhookView,
  webhookId,
} from '#events/webhooks';
import type { ApiEvent, Partner } from './http.ts';
import { invalidRequest, notFound, ProblemError } from './problem.ts';
import { type Resolver, resolvesSafely, sendToEndpoint, systemResolver } from './webhook-http.ts';
import { sealSecret } from './webhook-secrets.ts';
import type { WebhookSettings } from './webhook-settings.ts';

/** What the webhook routes share: the checks of a URL, the views, and finding the caller's own endpoint. */

export const webhookView = (endpoint: EndpointItem): WebhookView => ({
  id: endpoint.endpointId,
  url: endpoint.url,
  events: endpoint.events,
  status: endpoint.status,
  ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
  createdAt: endpoint.createdAt,
  ...(endpoint.disabledAt === undefined ? {} : { disabledAt: endpoint.disabledAt }),
});

export const deliveryView = (delivery: DeliveryItem): DeliveryView => ({
  id: delivery.deliveryId,
  eventId: delivery.eventId,
  type: delivery.type,
  status: delivery.status,
  attempts: delivery.attempts,
  ...(delivery.lastStatusCode === undefined ? {} : { lastStatusCode: delivery.lastStatusCode }),
  ...(delivery.status === 'pending' && delivery.nextAttemptAt !== undefined ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
  createdAt: delivery.createdAt,
  history: delivery.history,
});

/** The caller's endpoint named by `{id}`, or 404: another partner's endpoint is not told apart from none. */
export const endpointForCaller = async (webhooks: WebhookRepository, event: ApiEvent, partner: Partner): Promise<EndpointItem> => {
  const id = webhookId.safeParse(event.pathParameters?.id);
  const found = id.success ? await webhooks.getEndpoint(partner.partnerId, id.data) : undefined;
  if (found === undefined) throw notFound('There is no webhook with this id for your organisation.');
  return found;
};

const refusedUrl = (message: string) =>
  invalidRequest('The webhook URL is not one we may send to; see errors.', [{ path: 'url', message }]);

/**
 * The URL checks of a registration: its form, every address its name resolves to, and its answer to
 * a HEAD request, which must not be a redirect (they are never followed, so a redirecting endpoint
 * would never receive anything).
 */
export const checkedTarget = async (
  url: string,
  settings: WebhookSettings,
  resolver: Resolver = systemResolver
): Promise<WebhookTarget> => {
  const form = checkWebhookUrl(url, { allowHttpLocalhost: settings.allowHttpLocalhost });
  if (!form.ok) throw refusedUrl(form.reason);
  if (!(await resolvesSafely(form.target, resolver))) {
    throw refusedUrl('resolves to a private, loopback, link-local or reserved address');
  }
  const probe = await sendToEndpoint(
    form.target,
    { method: 'HEAD', headers: {}, timeoutMs: settings.attemptTimeoutSeconds * 1000 },
    resolver
  );
  if (probe.kind === 'unsafe_address') throw refusedUrl('resolves to a private, loopback, link-local or reserved address');
  if (probe.kind === 'answered' && probe.statusCode >= 300 && probe.statusCode < 400) {
    throw refusedUrl('redirects; register the URL it redirects to (redirects are never followed)');
  }
  return form.target;
};

export const registerEndpoint = async (
  deps: { webhooks: WebhookRepository; sealer: PersonalDataSealer; settings: WebhookSettings; resolver?: Resolver },
  partner: Partner,
  registration: WebhookRegistration,
  now: Date
): Promise<WebhookCreated> => {
  const target = await checkedTarget(registration.url, deps.settings, deps.resolver);
  const existing = await deps.webhooks.endpointsOf(partner.partnerId);
  if (existing.length >= maxEndpointsPerPartner) {
    throw new ProblemError({
      type: 'rule-not-met',
      title: 'The request breaks a rule of the programme or the case',
      status: 422,
      detail: `An organisation may register ${maxEndpointsPerPartner} webhooks; delete one first.`,
      errors: [{ path: 'url', message: `${maxEndpointsPerPartner} webhooks are registered already` }],
    });
  }
  const endpointId = randomUUID();
  const secret = newWebhookSecret();
  const endpoint: EndpointItem = {
    endpointId,
    partnerId: partner.partnerId,
    url: target.url.href,
    events: registration.events,
    status: 'active',
    ...(registration.description === undefined ? {} : { description: registration.description }),
    createdAt: now.toISOString(),
    secret: await sealSecret(deps.sealer, endpointId, secret),
  };
  await deps.webhooks.createEndpoint(endpoint);
  return { ...webhookView(endpoint), secret };
};

/**
 * Makes a delivery due now under a new token and queues its attempt (`redeliver`): sent at once,
 * outside the order of the endpoint's deliveries about its case.
 */
export const startDelivery = async (
  deps: { webhooks: WebhookRepository; queue: WebhookDeliveryQueue },
  delivery: Pick<DeliveryItem, 'deliveryId' | 'endpointId' | 'partnerId'>,
  now: Date
): Promise<boolean> => {
  const token = randomUUID();
  // The delivery takes the token before the message exists, so the message never finds an older one.
  if (!(await deps.webhooks.restart(delivery.endpointId, delivery.deliveryId, token, now.toISOString()))) return false;
  // The message names the delivery and nothing more: callers hand over the whole item, and a message
  // with its other fields (status, payload, history) is not a delivery message the worker takes.
  const { deliveryId, endpointId, partnerId } = delivery;
  await deps.queue.send({ deliveryId, endpointId, partnerId, token, notBefore: now.toISOString() });
  return true;
};
