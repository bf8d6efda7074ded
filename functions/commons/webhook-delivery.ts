import { randomUUID } from 'node:crypto';
import type { NotificationQueue } from '#adapters/notification-queue';
import type { PersonalDataOpener } from '#adapters/personal-fields';
import type { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import { type DeliveryItem, type EndpointItem, isOrdered, maxHistory, type OrderedDelivery } from '#adapters/webhook-items';
import type { WebhookRepository } from '#adapters/webhook-repository';
import { webhookDisabledNotifications } from '#domain/notifications/webhook-messages';
import { checkWebhookUrl } from '#domain/webhook-address';
import { heldBehind, heldDelaySeconds, holderOverdue } from '#domain/webhook-order';
import { nextAttemptAfter, queueDelaySeconds, shouldDisable } from '#domain/webhook-schedule';
import type { DeliveryAttempt, WebhookDeliveryMessage } from '#events/webhooks';
import { logger, recordWebhookDelivery } from './powertools.ts';
import { type Resolver, sendToEndpoint, systemResolver, type WebhookResponse } from './webhook-http.ts';
import { signingSecrets } from './webhook-secrets.ts';
import type { WebhookSettings } from './webhook-settings.ts';
import { signedHeaders } from './webhook-signing.ts';

export interface DeliveryDeps {
  webhooks: WebhookRepository;
  queue: WebhookDeliveryQueue;
  notifications: NotificationQueue;
  opener: PersonalDataOpener;
  settings: WebhookSettings;
  resolver?: Resolver;
  now?: () => Date;
}

/** How long a retry that came before its attempt's record waits for it. */
const recordingWaitSeconds = 1;
/** A claim outlasts the attempt's timeout by this much: the signing, the address check and the record. */
const claimMarginSeconds = 5;

export type AttemptOutcome = 'waiting' | 'held' | 'stale' | 'delivered' | 'retrying' | 'failed';

const outcomeOf = (response: WebhookResponse): DeliveryAttempt['outcome'] => {
  if (response.kind !== 'answered') return response.kind;
  if (response.statusCode >= 200 && response.statusCode < 300) return 'delivered';
  return response.statusCode >= 300 && response.statusCode < 400 ? 'redirect' : 'status';
};

/**
 * One attempt of one delivery, as its queue message asks (README "Webhooks for integrators"):
 * - not due yet: the message goes back to the queue delayed (at most 15 minutes each time);
 * - a message whose token the delivery no longer holds does nothing (a duplicate, or replaced by a
 *   redelivery), so each attempt is made by one message; a retry whose attempt before it is not yet
 *   recorded (the delivery still holds that attempt's token, `after`) waits for the record;
 * - an ordered delivery (an event about a case, not a ping or a redelivery) waits while an earlier
 *   delivery to the endpoint about the same case is pending (functions/domain/webhook-order.ts):
 *   its message goes back to the queue, delayed, and it looks again;
 * - the attempt is claimed first (a lease of the attempt timeout and a margin), so two copies of one
 *   message make it once: the other comes back once the claim has run out;
 * - the POST, signed, within the attempt timeout, to an address checked again now, no redirect followed;
 * - a 2xx settles it `delivered`; anything else is retried after the next delay of the schedule (the
 *   next message queued before the attempt is recorded, so a crash in between repeats the attempt
 *   rather than losing it), and when the schedule is spent the delivery is `failed`;
 * - the endpoint remembers since when it has failed everything, and is disabled once that lasts
 *   long enough, its partner told by email.
 */
export const attemptDelivery = async (deps: DeliveryDeps, message: WebhookDeliveryMessage): Promise<AttemptOutcome> => {
  const now = deps.now ?? (() => new Date());
  const due = new Date(message.notBefore);
  if (queueDelaySeconds(due, now()) > 0) {
    await deps.queue.send(message, queueDelaySeconds(due, now()));
    return 'waiting';
  }
  const delivery = await deps.webhooks.getDelivery(message.endpointId, message.deliveryId);
  if (delivery?.status === 'pending' && message.after !== undefined && delivery.token === message.after) {
    // A retry queued before the attempt it follows was recorded, and here before that record: early, not stale.
    await deps.queue.send(message, recordingWaitSeconds);
    return 'waiting';
  }
  if (delivery === undefined || delivery.status !== 'pending' || delivery.token !== message.token) {
    logger.info('webhook attempt stale', { deliveryId: message.deliveryId, webhookId: message.endpointId, status: delivery?.status });
    return 'stale';
  }
  if (message.orderKey !== undefined && isOrdered(delivery)) {
    const held = await heldBy(deps, delivery, now());
    if (held !== undefined) {
      await deps.queue.send(message, held.seconds);
      logger.info('webhook attempt held', { deliveryId: delivery.deliveryId, webhookId: delivery.endpointId, ...held });
      recordWebhookDelivery('held');
      return 'held';
    }
  }
  const endpoint = await deps.webhooks.getEndpoint(message.partnerId, message.endpointId);
  const startedAt = now();
  if (endpoint === undefined || endpoint.status !== 'active') {
    const attempt: DeliveryAttempt = { at: startedAt.toISOString(), outcome: 'endpoint_disabled', durationMs: 0 };
    await deps.webhooks.recordAttempt(delivery, message.token, { attempt, status: 'failed' });
    return 'failed';
  }
  const claimedUntil = new Date(startedAt.getTime() + (deps.settings.attemptTimeoutSeconds + claimMarginSeconds) * 1000);
  if (!(await deps.webhooks.claimAttempt(delivery, message.token, startedAt.toISOString(), claimedUntil.toISOString()))) {
    // Another copy of this message is making the attempt. This one looks again once that claim has
    // run out: stale then if the attempt was recorded, made if its maker ended first.
    await deps.queue.send(message, queueDelaySeconds(claimedUntil, now()) + 1);
    logger.info('webhook attempt claimed by another copy', { deliveryId: delivery.deliveryId, webhookId: delivery.endpointId });
    return 'waiting';
  }
  const response = await post(deps, endpoint, delivery.deliveryId, delivery.payload, startedAt);
  const outcome = outcomeOf(response);
  const attempt: DeliveryAttempt = {
    at: startedAt.toISOString(),
    ...(response.kind === 'answered' ? { statusCode: response.statusCode } : {}),
    outcome,
    durationMs: response.durationMs,
  };
  const finishedAt = now();
  // A redelivery starts the schedule again from its own first attempt.
  const attemptsInRound = delivery.attempts + 1 - (delivery.retriesFrom ?? 0);
  const next = outcome === 'delivered' ? undefined : nextAttemptAfter(deps.settings, attemptsInRound, finishedAt);
  let recorded: boolean;
  if (next === undefined) {
    recorded = await deps.webhooks.recordAttempt(delivery, message.token, {
      attempt,
      status: outcome === 'delivered' ? 'delivered' : 'failed',
    });
  } else {
    const nextToken = randomUUID();
    await deps.queue.send(
      { ...message, token: nextToken, after: message.token, notBefore: next.toISOString() },
      queueDelaySeconds(next, finishedAt)
    );
    recorded = await deps.webhooks.recordAttempt(delivery, message.token, {
      attempt,
      status: 'pending',
      nextAttemptAt: next.toISOString(),
      nextToken,
    });
  }
  if (!recorded) return 'stale';
  if (delivery.history.length + 1 > maxHistory) {
    const updated = await deps.webhooks.getDelivery(message.endpointId, message.deliveryId);
    if (updated !== undefined) await deps.webhooks.trimHistory(updated);
  }
  logger.info('webhook attempt', {
    deliveryId: delivery.deliveryId,
    webhookId: endpoint.endpointId,
    type: delivery.type,
    attempt: delivery.attempts + 1,
    outcome,
    statusCode: attempt.statusCode,
    nextAttemptAt: next?.toISOString(),
  });
  recordWebhookDelivery(outcome === 'delivered' ? 'delivered' : next === undefined ? 'gave-up' : 'failed');
  if (outcome === 'delivered') {
    await deps.webhooks.recordDelivered(endpoint.partnerId, endpoint.endpointId, startedAt.toISOString());
    return 'delivered';
  }
  await noteFailure(deps, endpoint, startedAt);
  return next === undefined ? 'failed' : 'retrying';
};

/**
 * How long an ordered delivery waits, or undefined when its turn has come. A place in the line
 * whose delivery has settled all the same is cleared, and the delivery looks again shortly.
 */
const heldBy = async (
  deps: DeliveryDeps,
  delivery: OrderedDelivery,
  now: Date
): Promise<{ holderId: string; seconds: number } | undefined> => {
  const earliest = await deps.webhooks.earliestPending(delivery.endpointId, delivery.orderKey);
  if (earliest === undefined || !heldBehind(delivery.position, earliest)) return undefined;
  const holder: DeliveryItem | undefined = await deps.webhooks.getDelivery(delivery.endpointId, earliest.deliveryId);
  if (holder?.status === 'pending') {
    const { token, nextAttemptAt } = holder;
    const overdue = nextAttemptAt !== undefined && holderOverdue(nextAttemptAt, now);
    if (overdue && isOrdered(holder) && token !== undefined) await requeueOverdue(deps, holder, token, nextAttemptAt, now);
    return { holderId: earliest.deliveryId, seconds: heldDelaySeconds(holder.nextAttemptAt, now) };
  }
  await deps.webhooks.leaveLine({ ...earliest, endpointId: delivery.endpointId, orderKey: delivery.orderKey });
  return { holderId: earliest.deliveryId, seconds: heldDelaySeconds(undefined, now) };
};

/** Queues an overdue holder's attempt again, once: the call that moves its due time to now sends it. */
const requeueOverdue = async (deps: DeliveryDeps, holder: OrderedDelivery, token: string, dueAt: string, now: Date): Promise<void> => {
  if (!(await deps.webhooks.reschedule(holder, token, dueAt, now.toISOString()))) return;
  const { deliveryId, endpointId, partnerId, orderKey } = holder;
  await deps.queue.send({ deliveryId, endpointId, partnerId, token, notBefore: now.toISOString(), orderKey });
  logger.warn('webhook attempt overdue, queued again', { deliveryId, webhookId: endpointId, dueAt });
};

const post = async (deps: DeliveryDeps, endpoint: EndpointItem, deliveryId: string, body: string, at: Date): Promise<WebhookResponse> => {
  const form = checkWebhookUrl(endpoint.url, { allowHttpLocalhost: deps.settings.allowHttpLocalhost });
  if (!form.ok) return { kind: 'unsafe_address', durationMs: 0 };
  const secrets = await signingSecrets(deps.opener, endpoint, at);
  return sendToEndpoint(
    form.target,
    { method: 'POST', headers: signedHeaders(deliveryId, at, body, secrets), body, timeoutMs: deps.settings.attemptTimeoutSeconds * 1000 },
    deps.resolver ?? systemResolver
  );
};

/** A failed attempt: the endpoint's failure streak starts (or goes on); long enough, and it is disabled. */
const noteFailure = async (deps: DeliveryDeps, endpoint: EndpointItem, at: Date): Promise<void> => {
  await deps.webhooks.recordFailed(endpoint.partnerId, endpoint.endpointId, at.toISOString());
  const failingSince = endpoint.failingSince;
  if (failingSince === undefined || !shouldDisable(deps.settings, failingSince, at)) return;
  if (!(await deps.webhooks.disable(endpoint.partnerId, endpoint.endpointId, failingSince, at.toISOString()))) return;
  await deps.notifications.send(
    webhookDisabledNotifications({ webhookId: endpoint.endpointId, url: endpoint.url, partnerId: endpoint.partnerId, failingSince })
  );
  logger.warn('webhook disabled', { webhookId: endpoint.endpointId, partnerId: endpoint.partnerId, failingSince });
};
