import type { Json } from '../support/json.ts';
import type { BookCheck } from './books.ts';
import type { ChaosClient, DrivenCase } from './driver.ts';
import type { ReceivedWebhook } from './webhook-receiver.ts';
import { type ChaosEndpoint, deliveriesOf, type SentDelivery } from './webhooks.ts';

/*
 * The webhooks' books (issue 17: every webhook delivered exactly once per event).
 *
 * How a webhook-id is counted: at each endpoint, an id counts once, as delivered, when at least one
 * of its requests was acknowledged (verified, answered 2xx). It may arrive again only because an
 * earlier answer was lost to the sender: the sender's record of the delivery (its partner's
 * `GET /v1/webhooks/{id}/deliveries`) has one attempt that settled it, and an acknowledged request
 * that arrived before that attempt began had an answer the sender never recorded (it timed out, or
 * the invocation failed between the POST and its record). A second acknowledged request from the
 * moment that attempt began on is the same webhook delivered twice: a breach. Nothing here depends
 * on the order in which deliveries arrive.
 *
 * Which webhooks each endpoint should have: for every status change in a driven case's history, and
 * its offer, the case's referrer, the coordinator and finance each one webhook-id, and the case's
 * receiver one for the offer and each change after it; for every status a driven payment entered,
 * the receiver, the coordinator and finance one each (who may read a case or payment through the
 * API, functions/domain/access-policy.ts and payment-views.ts). Anything else about a driven case
 * at an endpoint is a webhook its partner may not see.
 */

const coordinatorId = 'demo-coordinator';
const financeId = 'demo-finance';
const acknowledged = (request: ReceivedWebhook): boolean => request.status >= 200 && request.status < 300;

/** What a change is, whichever delivery names it: a case's status change or offer, or a payment's status. */
const changeOf = (payload: Json): string =>
  payload.type === 'payment.status_changed'
    ? `payment.status_changed ${payload.data.paymentId} ${payload.data.status}`
    : `${payload.type} ${payload.data.status}`;

export const webhooksOncePerEvent: BookCheck = async ({ client, cases, webhooks }) => {
  const { receiver, endpoints } = webhooks;
  const breaches: string[] = [];
  const byPath = new Map(endpoints.map((endpoint) => [endpoint.path, endpoint]));
  const requests = new Map<string, ReceivedWebhook[]>();
  for (const request of receiver.received) {
    const key = `${request.path} ${request.webhookId}`;
    requests.set(key, [...(requests.get(key) ?? []), request]);
  }
  const unverified = receiver.received.filter((request) => !request.verified);
  for (const request of unverified.slice(0, 10)) breaches.push(`${request.path} ${request.webhookId}: not verified (${request.rejection})`);
  if (unverified.length > 10) breaches.push(`${unverified.length - 10} more requests not verified`);

  // The sender's records, endpoint by endpoint.
  const sent = new Map<string, SentDelivery>();
  for (const endpoint of endpoints) {
    const deliveries = await deliveriesOf(client, endpoint);
    if (deliveries === undefined) breaches.push(`${endpoint.partnerId}: its deliveries could not be read`);
    for (const delivery of deliveries ?? []) sent.set(`${endpoint.path} ${delivery.id}`, delivery);
  }

  // Each webhook-id at each endpoint, counted once; what it is about, for the per-case check below.
  const delivered = new Map<string, { endpoint: ChaosEndpoint; webhookId: string; payload: Json }>();
  let lostAnswers = 0;
  let refusedFirst = 0;
  for (const [key, got] of requests) {
    const [path, webhookId] = key.split(' ') as [string, string];
    const endpoint = byPath.get(path);
    if (endpoint === undefined) {
      breaches.push(`${key}: a path no endpoint was registered at`);
      continue;
    }
    if (new Set(got.map((request) => request.body)).size > 1) breaches.push(`${key}: its requests carried different bodies`);
    refusedFirst += got[0]!.status === 500 ? 1 : 0;
    const acks = got.filter(acknowledged);
    const record = sent.get(key);
    if (record === undefined) {
      breaches.push(`${key}: received, but ${endpoint.partnerId}'s deliveries do not list it`);
      continue;
    }
    const settling = record.history.find((attempt) => attempt.outcome === 'delivered');
    if (record.status !== 'delivered' || settling === undefined || acks.length === 0) {
      breaches.push(`${key}: ${record.status} after ${record.attempts} attempts, acknowledged ${acks.length} times`);
      continue;
    }
    const fromSettling = acks.filter((request) => request.receivedAt >= Date.parse(settling.at));
    if (fromSettling.length !== 1) {
      breaches.push(`${key}: acknowledged ${fromSettling.length} times from the attempt that settled it on (${settling.at})`);
    }
    lostAnswers += acks.length - fromSettling.length;
    delivered.set(key, { endpoint, webhookId, payload: JSON.parse(acks[0]!.body) });
  }
  for (const [key, record] of sent) {
    if (!requests.has(key)) breaches.push(`${key}: ${record.status} after ${record.attempts} attempts, never received`);
  }

  // Per driven case: each change its partners may see, once at each of their endpoints, and nothing else.
  const aboutCase = new Map<string, Array<{ endpoint: ChaosEndpoint; webhookId: string; change: string }>>();
  for (const { endpoint, webhookId, payload } of delivered.values()) {
    const caseId = String(payload.data.caseId);
    aboutCase.set(caseId, [...(aboutCase.get(caseId) ?? []), { endpoint, webhookId, change: changeOf(payload) }]);
  }
  let expectedCount = 0;
  let onceCount = 0;
  const driven = cases.filter((candidate): candidate is DrivenCase & { caseId: string } => candidate.caseId !== undefined);
  for (const one of driven) {
    const expected = await expectedChanges(client, one);
    if (expected === undefined) {
      breaches.push(`case ${one.reference}: its history or payments could not be read`);
      continue;
    }
    const got = aboutCase.get(one.caseId) ?? [];
    aboutCase.delete(one.caseId);
    for (const endpoint of endpoints) {
      const wanted = expected.get(endpoint.partnerId) ?? [];
      const here = got.filter((entry) => entry.endpoint === endpoint);
      for (const change of wanted) {
        const ids = here.filter((entry) => entry.change === change).length;
        expectedCount += 1;
        if (ids === 1) onceCount += 1;
        else breaches.push(`case ${one.reference}: ${endpoint.partnerId} got ${ids} webhook-ids for ${change}`);
      }
      for (const entry of here.filter((candidate) => !wanted.includes(candidate.change))) {
        breaches.push(`case ${one.reference}: ${endpoint.partnerId} was sent ${entry.change} (${entry.webhookId}), which it may not see`);
      }
    }
  }
  const requestCount = receiver.received.length;
  const acknowledgedCount = receiver.received.filter(acknowledged).length;
  return {
    name: 'every webhook exactly once per event',
    figures: [
      `${requestCount} requests to ${endpoints.length} endpoints, ${requestCount - unverified.length} verified with standardwebhooks, ${acknowledgedCount} acknowledged; ${receiver.strays.length} requests without a webhook-id${receiver.strays.length === 0 ? '' : ` (${[...new Set(receiver.strays)].join(', ')})`}`,
      `${requests.size} webhook-ids received, ${delivered.size} delivered (each counted once), ${sent.size} in the senders' records; ${refusedFirst} first requests answered 500 and retried; ${lostAnswers} acknowledged again after an answer the sender never recorded`,
      `${expectedCount} webhooks due for ${driven.length} cases' changes, ${onceCount} received exactly once; ${[...aboutCase.values()].flat().length} about cases the run did not drive`,
    ],
    breaches,
  };
};

/** The changes each partner should have been sent about a case, read from its history and its payments' steps. */
async function expectedChanges(client: ChaosClient, driven: DrivenCase & { caseId: string }): Promise<Map<string, string[]> | undefined> {
  const found = await client.readBack(coordinatorId, `/v1/referrals/${driven.caseId}`);
  if (found === undefined) return undefined;
  const everything: string[] = [];
  const afterOffer: string[] = [];
  let offered = false;
  for (const entry of found.history as Array<{ action: string; fromStatus?: string; toStatus?: string }>) {
    if (entry.action === 'offered') {
      offered = true;
      everything.push(`referral.offered ${entry.toStatus}`);
      afterOffer.push(`referral.offered ${entry.toStatus}`);
      continue;
    }
    if (entry.toStatus === undefined || entry.toStatus === entry.fromStatus) continue;
    everything.push(`referral.status_changed ${entry.toStatus}`);
    if (offered) afterOffer.push(`referral.status_changed ${entry.toStatus}`);
  }
  const payments: string[] = [];
  for (const { paymentId } of driven.payments) {
    const payment = await client.readBack(coordinatorId, `/v1/payments/${paymentId}`);
    if (payment === undefined) return undefined;
    for (const step of payment.steps as Array<{ status: string }>) payments.push(`payment.status_changed ${paymentId} ${step.status}`);
  }
  return new Map([
    [driven.referrerId, everything],
    [driven.receiverId, [...afterOffer, ...payments]],
    [coordinatorId, [...everything, ...payments]],
    [financeId, [...everything, ...payments]],
  ]);
}
