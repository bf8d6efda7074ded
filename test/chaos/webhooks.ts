import { subscribableTypes } from '../../events/webhooks.ts';
import type { DemoPartner } from '../../infra/local/seed.ts';
import type { Json } from '../support/json.ts';
import type { ChaosClient } from './driver.ts';
import type { ChaosWebhookReceiver } from './webhook-receiver.ts';

/*
 * The chaos run's webhook endpoints: before the faults are turned on, every demo partner (both
 * referrers, the receivers, the coordinator, finance) registers one endpoint for every event type a
 * partner may subscribe to, each at its own path of the run's receiver. Which of them may receive
 * what is then the platform's business (functions/domain/webhook-events.ts); the books check it.
 */

export interface ChaosEndpoint {
  partnerId: string;
  endpointId: string;
  path: string;
}

export interface ChaosWebhooks {
  receiver: ChaosWebhookReceiver;
  endpoints: ChaosEndpoint[];
}

export async function registerEndpoints(
  client: ChaosClient,
  partners: readonly DemoPartner[],
  receiver: ChaosWebhookReceiver
): Promise<ChaosEndpoint[]> {
  const endpoints: ChaosEndpoint[] = [];
  for (const partner of partners) {
    const path = `/${partner.id}`;
    const registration = { url: receiver.url(path), events: [...subscribableTypes], description: 'chaos run' };
    const created = await client.act(partner.id, 'POST', '/v1/webhooks', registration, 201);
    receiver.trust(path, String(created.secret));
    endpoints.push({ partnerId: partner.id, endpointId: String(created.id), path });
  }
  return endpoints;
}

/** What the platform recorded of one delivery: its id is the webhook-id its requests carried. */
export interface SentDelivery {
  id: string;
  type: string;
  status: string;
  attempts: number;
  history: Array<{ at: string; outcome: string; statusCode?: number }>;
}

/** Every delivery of an endpoint, page by page, as its partner reads them. */
export async function deliveriesOf(client: ChaosClient, endpoint: ChaosEndpoint): Promise<SentDelivery[] | undefined> {
  const deliveries: SentDelivery[] = [];
  let cursor: string | undefined;
  do {
    const query = `limit=200${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = await client.readBack(endpoint.partnerId, `/v1/webhooks/${endpoint.endpointId}/deliveries?${query}`);
    if (page === undefined) return undefined;
    deliveries.push(...(page.items as Json[] as unknown as SentDelivery[]));
    cursor = page.cursor === undefined ? undefined : String(page.cursor);
  } while (cursor !== undefined);
  return deliveries;
}
