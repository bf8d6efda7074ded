import type { CaseRepository } from '#adapters/case-repository';
import type { PartnerRepository } from '#adapters/partner-repository';
import type { WebhookDeliveryQueue } from '#adapters/webhook-delivery-queue';
import type { EndpointItem } from '#adapters/webhook-items';
import type { WebhookRepository } from '#adapters/webhook-repository';
import type { CaseParties } from '#domain/access-policy';
import { casePartiesOf, mayReceive, type WebhookEvent, webhookPayloadOf } from '#domain/webhook-events';
import { deliveryIdOf } from '#domain/webhook-ids';
import { orderPositionOf } from '#domain/webhook-order';
import type { PartnerItem } from '#events/partner';
import type { EventHandler } from './event-consumer.ts';
import { logger } from './powertools.ts';
import type { WebhookSettings } from './webhook-settings.ts';

export interface FanOutDeps {
  webhooks: WebhookRepository;
  partners: PartnerRepository;
  cases: CaseRepository;
  queue: WebhookDeliveryQueue;
  settings: Pick<WebhookSettings, 'orderHoldSeconds'>;
  now?: () => Date;
}

/**
 * The handler of one batch: the active endpoints and their partners are read once per batch. For
 * each event, each endpoint subscribed to its type whose partner is active and may see the case or
 * payment gets a delivery, written once (its id comes from the event and the endpoint, so the
 * event seen again finds it) and then queued for its first attempt, again if the event comes back
 * before any attempt was made (a run that failed between the write and the queueing).
 *
 * An event the publisher stamped with its change's place in the stream is delivered in order among
 * the endpoint's deliveries about its case (functions/domain/webhook-order.ts), and its first
 * attempt waits the stage's `orderHoldSeconds`: an earlier event of the case that reached the
 * fan-out a little later (the consumer's queue does not keep order, and retries) has its delivery
 * written by then, and goes first.
 */
export const fanOut = (deps: FanOutDeps): EventHandler<WebhookEvent['type']> => {
  let endpoints: Promise<EndpointItem[]> | undefined;
  const partners = new Map<string, Promise<PartnerItem | undefined>>();
  const partnerOf = (id: string) => {
    let found = partners.get(id);
    if (found === undefined) {
      found = deps.partners.get(id);
      partners.set(id, found);
    }
    return found;
  };
  return async (event) => {
    endpoints ??= deps.webhooks.activeEndpoints();
    const subscribed = (await endpoints).filter((endpoint) => endpoint.events.includes(event.type));
    if (subscribed.length === 0) return;
    const parties = await partiesOf(deps.cases, event);
    if (parties === undefined) {
      logger.warn('webhook event about a case that does not exist', { eventId: event.detail.eventId, type: event.type });
      return;
    }
    const madeAt = (deps.now ?? (() => new Date()))();
    const now = madeAt.toISOString();
    const payload = JSON.stringify(webhookPayloadOf(event, now));
    const { sequence } = event.detail;
    const holdSeconds = sequence === undefined ? 0 : deps.settings.orderHoldSeconds;
    const firstAttemptAt = new Date(madeAt.getTime() + holdSeconds * 1000).toISOString();
    const queued: string[] = [];
    for (const endpoint of subscribed) {
      const partner = await partnerOf(endpoint.partnerId);
      if (partner === undefined || partner.status !== 'active') continue;
      if (!mayReceive({ partnerId: partner.partnerId, roles: partner.roles }, event, parties)) continue;
      const deliveryId = deliveryIdOf(event.detail.eventId, endpoint.endpointId);
      const delivery = {
        deliveryId,
        endpointId: endpoint.endpointId,
        partnerId: endpoint.partnerId,
        eventId: event.detail.eventId,
        type: event.type,
        payload,
        status: 'pending' as const,
        attempts: 0,
        history: [],
        nextAttemptAt: firstAttemptAt,
        createdAt: now,
        token: deliveryId,
        ...(sequence === undefined ? {} : { orderKey: event.detail.caseId, position: orderPositionOf(sequence, event.detail.eventId) }),
      };
      if (!(await deps.webhooks.createDelivery(delivery))) {
        // Written by an earlier run of this event that failed before its message was queued (or
        // while queueing it): unless an attempt was made since, its first attempt is queued again. A
        // second message for it is stale to the worker, which acts on a token once.
        const stored = await deps.webhooks.getDelivery(endpoint.endpointId, deliveryId);
        if (stored === undefined || stored.status !== 'pending' || stored.token !== deliveryId) continue;
      }
      await deps.queue.send(
        {
          deliveryId,
          endpointId: endpoint.endpointId,
          partnerId: endpoint.partnerId,
          token: deliveryId,
          notBefore: firstAttemptAt,
          ...(delivery.orderKey === undefined ? {} : { orderKey: delivery.orderKey }),
        },
        holdSeconds
      );
      queued.push(deliveryId);
    }
    logger.info('webhook deliveries queued', { eventId: event.detail.eventId, type: event.type, deliveryIds: queued });
  };
};

/** The case's referrer and receiver: stated by a case event, read from the case for a payment event. */
const partiesOf = async (cases: CaseRepository, event: WebhookEvent): Promise<CaseParties | undefined> => {
  if (event.type !== 'payment.status_changed') return casePartiesOf(event);
  const found = await cases.getCase(event.detail.caseId);
  return found === undefined ? undefined : { referrerId: found.referrerId, receiverId: found.receiverId };
};
