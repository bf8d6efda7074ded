import { createHash, randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEventOf } from '../../events/domain-events.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { webhookDeliveryMessageSchema } from '../../events/webhooks.ts';
import { deliveryIdOf } from '../../functions/domain/webhook-ids.ts';
import { overdueAfterSeconds } from '../../functions/domain/webhook-order.ts';
import { compressedWebhookSettings } from '../e2e/support/compressed-webhooks.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../e2e/support/webhook-receiver.ts';
import { api, registerPartner } from '../support/api.ts';
import { sqsEventOf } from '../support/domain-events.ts';
import { captureLogs, waitFor } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import { scanAll } from '../support/scan.ts';
import { queuePoller } from '../support/sqs-poller.ts';

// The stage's schedule in seconds (the e2e's), and no hold: the test decides the order of the batches itself.
process.env.WEBHOOK_SETTINGS = JSON.stringify({ ...compressedWebhookSettings, orderHoldSeconds: 0 });
const { handler: fanOut } = await import('../../functions/webhook-fanout.ts');
const { handler: worker } = await import('../../functions/deliver-webhook.ts');
const { WebhookRepository } = await import('../../functions/adapters/webhook-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');

/*
 * The webhook worker on the deliveries queue in fauxqs and the webhooks table in DynamoDB Local,
 * each batch handed over as the test decides: the order of one endpoint's deliveries about a case
 * holds across batches and retries, a redelivery after a secret rotation is attempted at once, and a
 * message that fails is logged by its error, never its body.
 */
const deliveries = queuePoller('WebhooksDeliveriesQueue');
const webhooks = new WebhookRepository(documentClient, process.env.WEBHOOKS_TABLE_NAME!);
let receiver: WebhookReceiver;
let referrer: Awaited<ReturnType<typeof registerPartner>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  referrer = await registerPartner(['referrer'], 'FR');
  // What earlier files left on the shared queue is not this file's.
  await deliveries.settle(await deliveries.receive(), new Set());
});

afterAll(async () => {
  await receiver?.stop();
  deliveries.close();
});

const register = async (path: string): Promise<{ id: string; secret: string }> => {
  const created = await api.call('POST /v1/webhooks', {
    key: referrer.key,
    body: { url: receiver.url(path), events: ['referral.status_changed'] },
  });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
};

/** A status change of the case as the publisher puts it on the bus: its change's place in the stream stamped on it. */
const statusChanged = (
  caseId: string,
  caseVersion: number,
  status: 'eligible' | 'accepted',
  sequence: string
): DomainEventOf<'referral.status_changed'> => ({
  type: 'referral.status_changed',
  detail: {
    eventId: createHash('sha256').update(`${caseId}|${caseVersion}`).digest('hex'),
    version: 1,
    sequence,
    caseId,
    reference: 'TACT-FR-000042',
    programmeId: 'TACT',
    referrerId: referrer.partnerId,
    status,
    caseVersion,
  },
});

/** The queued attempts of one endpoint, received (and so invisible) until handed to the worker. */
const messagesOf = (endpointId: string, count: number): Promise<Message[]> => {
  const taken: Message[] = [];
  return waitFor(
    async () => {
      const batch = await deliveries.receive();
      const mine = batch.filter((message) => JSON.parse(message.Body!).endpointId === endpointId);
      await deliveries.settle(
        batch.filter((message) => !mine.includes(message)),
        new Set()
      );
      taken.push(...mine);
      return taken.length >= count && taken;
    },
    { timeoutMs: 20_000, intervalMs: 100, description: `${count} attempts queued for webhook ${endpointId}` }
  );
};

/** One message, alone in its batch: the worker answers for it, and the queue forgets it unless it failed. */
const attemptAlone = async (message: Message): Promise<string[]> => {
  const failed = await deliveries.invoke(worker, [message]);
  await deliveries.settle([message], new Set(failed));
  return failed;
};

const statusesAt = (path: string) =>
  receiver.to(path).map((request) => (JSON.parse(request.body) as { data: { status: string } }).data.status);

const deliveryOf = async (endpointId: string, deliveryId: string): Promise<Json> =>
  (await webhooks.getDelivery(endpointId, deliveryId)) as unknown as Json;

describe("the order of an endpoint's deliveries about one case", () => {
  it('holds a later change, in another batch, until the earlier one is delivered, through its retry', async () => {
    // Given an endpoint that answers 500 to the first request of each delivery.
    const endpoint = await register('/flaky-order');
    const caseId = randomUUID();
    const eligible = statusChanged(caseId, 2, 'eligible', '4100000000000000000001');
    const accepted = statusChanged(caseId, 3, 'accepted', '4100000000000000000002');

    // When the later change reaches the fan-out first, and its attempt is in a batch of its own before the earlier's.
    expect(await fanOut(sqsEventOf([accepted]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    expect(await fanOut(sqsEventOf([eligible]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    const queued = await messagesOf(endpoint.id, 2);
    const messageOf = (event: typeof eligible) =>
      queued.find((message) => JSON.parse(message.Body!).deliveryId === deliveryIdOf(event.detail.eventId, endpoint.id))!;
    expect(await attemptAlone(messageOf(accepted))).toEqual([]);

    // Then it waits: nothing was sent, and it is still pending, not attempted.
    expect(receiver.to('/flaky-order')).toEqual([]);
    expect(await deliveryOf(endpoint.id, deliveryIdOf(accepted.detail.eventId, endpoint.id))).toMatchObject({
      status: 'pending',
      attempts: 0,
    });

    // The earlier one goes, fails once, and is retried; the later one waits for that retry, then goes.
    expect(await attemptAlone(messageOf(eligible))).toEqual([]);
    await waitFor(
      async () => {
        for (const message of await messagesOf(endpoint.id, 1)) expect(await attemptAlone(message)).toEqual([]);
        return statusesAt('/flaky-order').length === 4;
      },
      { timeoutMs: 40_000, intervalMs: 0, description: 'both changes delivered through their retries' }
    );
    expect(statusesAt('/flaky-order')).toEqual(['eligible', 'eligible', 'accepted', 'accepted']);
    for (const event of [eligible, accepted]) {
      expect(await deliveryOf(endpoint.id, deliveryIdOf(event.detail.eventId, endpoint.id))).toMatchObject({
        status: 'delivered',
        attempts: 2,
      });
    }
    // Neither holds the line any more.
    expect(await webhooks.earliestPending(endpoint.id, caseId)).toBeUndefined();
  });
});

describe('a line whose holder lost its message', () => {
  it('queues the holder again once its attempt is long past due, and then the later change goes', async () => {
    const endpoint = await register('/ok-lost');
    const caseId = randomUUID();
    const eligible = statusChanged(caseId, 2, 'eligible', '4400000000000000000001');
    const accepted = statusChanged(caseId, 3, 'accepted', '4400000000000000000002');
    expect(await fanOut(sqsEventOf([eligible, accepted]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    const queued = await messagesOf(endpoint.id, 2);
    const holderId = deliveryIdOf(eligible.detail.eventId, endpoint.id);
    // The holder's message is lost, and its attempt was due longer ago than a message can take.
    const lost = queued.find((message) => JSON.parse(message.Body!).deliveryId === holderId)!;
    await deliveries.settle([lost], new Set());
    const holder = (await webhooks.getDelivery(endpoint.id, holderId))!;
    const longAgo = new Date(Date.now() - (overdueAfterSeconds + 60) * 1000).toISOString();
    expect(await webhooks.reschedule(holder, holder.token!, holder.nextAttemptAt!, longAgo)).toBe(true);

    // The later change, held, queues the holder's attempt again; both go, in order.
    expect(await attemptAlone(queued.find((message) => message !== lost)!)).toEqual([]);
    await waitFor(
      async () => {
        for (const message of await messagesOf(endpoint.id, 1)) expect(await attemptAlone(message)).toEqual([]);
        return statusesAt('/ok-lost').length === 2;
      },
      { timeoutMs: 30_000, intervalMs: 0, description: 'both changes delivered' }
    );
    expect(statusesAt('/ok-lost')).toEqual(['eligible', 'accepted']);
    expect(await webhooks.earliestPending(endpoint.id, caseId)).toBeUndefined();
  });
});

describe('a retry', () => {
  it('that reaches the worker before the attempt it follows is recorded waits for that record, and is made', async () => {
    const endpoint = await register('/ok-early');
    const caseId = randomUUID();
    const event = statusChanged(caseId, 2, 'eligible', '4300000000000000000001');
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    // The first attempt's message is taken off the queue: the test plays that attempt, slowly.
    const [first] = await messagesOf(endpoint.id, 1);
    await deliveries.settle([first!], new Set());
    const deliveryId = deliveryIdOf(event.detail.eventId, endpoint.id);
    const retry = { ...JSON.parse(first!.Body!), token: randomUUID(), after: deliveryId, notBefore: new Date().toISOString() };
    await deliveries.send(JSON.stringify(retry));

    // The retry comes while the attempt before it is not recorded: it waits.
    const [early] = await messagesOf(endpoint.id, 1);
    expect(await attemptAlone(early!)).toEqual([]);
    expect(receiver.to('/ok-early')).toEqual([]);

    // Once the attempt is recorded, the retry is made.
    const delivery = (await webhooks.getDelivery(endpoint.id, deliveryId))!;
    const attempt = { at: new Date().toISOString(), statusCode: 500, outcome: 'status' as const, durationMs: 3 };
    expect(await webhooks.recordAttempt(delivery, deliveryId, { attempt, status: 'pending', nextToken: retry.token })).toBe(true);
    for (const message of await messagesOf(endpoint.id, 1)) expect(await attemptAlone(message)).toEqual([]);
    expect(receiver.to('/ok-early').map((request) => request.headers['webhook-id'])).toEqual([deliveryId]);
    expect(await deliveryOf(endpoint.id, deliveryId)).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});

describe('a redelivery', () => {
  it('after a secret rotation is attempted at once, signed with both secrets', async () => {
    const endpoint = await register('/ok-rotate');
    const event = statusChanged(randomUUID(), 2, 'eligible', '4200000000000000000001');
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    for (const message of await messagesOf(endpoint.id, 1)) expect(await attemptAlone(message)).toEqual([]);
    const [first] = receiver.to('/ok-rotate');
    expect(new Webhook(endpoint.secret).verify(first!.body, first!.headers)).toMatchObject({ id: event.detail.eventId });

    const rotated = await api.call('POST /v1/webhooks/{id}/rotate-secret', { key: referrer.key, id: endpoint.id });
    expect(rotated.status).toBe(200);
    const deliveryId = deliveryIdOf(event.detail.eventId, endpoint.id);
    const redelivered = await api.call('POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
      key: referrer.key,
      id: endpoint.id,
      deliveryId,
    });
    expect(redelivered.status).toBe(202);

    // Its message names the delivery and nothing more (it carried the whole delivery, which the worker refused).
    const [message] = await messagesOf(endpoint.id, 1);
    expect(webhookDeliveryMessageSchema.safeParse(JSON.parse(message!.Body!)).success).toBe(true);
    expect(await attemptAlone(message!)).toEqual([]);
    const [, second] = receiver.to('/ok-rotate');
    expect(second!.headers['webhook-id']).toBe(deliveryId);
    expect(second!.body).toBe(first!.body);
    expect(new Webhook(rotated.body.secret as string).verify(second!.body, second!.headers)).toMatchObject({ id: event.detail.eventId });
    expect(new Webhook(endpoint.secret).verify(second!.body, second!.headers)).toMatchObject({ id: event.detail.eventId });
    expect(await deliveryOf(endpoint.id, deliveryId)).toMatchObject({ status: 'delivered', attempts: 2 });
  });
});

describe('a message the worker fails', () => {
  it('is reported for redelivery and logged by its error, never by its body', async () => {
    const endpoint = await register('/ok-broken');
    const body = JSON.stringify({
      deliveryId: randomUUID(),
      endpointId: endpoint.id,
      partnerId: referrer.partnerId,
      token: 'a-token',
      notBefore: new Date().toISOString(),
      payload: 'not-for-the-log',
    });
    await deliveries.send(body);
    const [message] = await messagesOf(endpoint.id, 1);
    const logs = captureLogs();
    let failed: string[];
    try {
      failed = await deliveries.invoke(worker, [message!]);
    } finally {
      logs.stop();
    }
    // Gone from the queue here: the failure was what this test wanted to see.
    await deliveries.settle([message!], new Set());
    expect(failed).toEqual([message!.MessageId]);
    const logged = logs
      .text()
      .split('\n')
      .filter((line) => line.includes('webhook attempt failed'))
      .map((line) => JSON.parse(line) as Json);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        messageId: message!.MessageId,
        error: { name: 'Error', message: `message ${message!.MessageId} is not a webhook delivery message` },
      }),
    ]);
    expect(logs.text()).not.toContain('not-for-the-log');
  });
});

describe('an event whose fan-out failed after writing its delivery', () => {
  it('queues the first attempt again when the event comes back, and the change is delivered once', async () => {
    const endpoint = await register('/ok-refanned');
    const caseId = randomUUID();
    const event = statusChanged(caseId, 2, 'eligible', '4600000000000000000001');
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    // The run failed between its write and its message (a timeout, or the queue down): the message
    // never was, and Powertools forgot the event, as it does for a failed run. No emulator fails a
    // function between two calls, so taking the message and the record away stands for that failure.
    const [sent] = await messagesOf(endpoint.id, 1);
    await deliveries.settle([sent!], new Set());
    const records = (await scanAll(documentClient, { TableName: process.env.IDEMPOTENCY_TABLE_NAME })).filter((item) =>
      String(item.id).startsWith('webhook-fanout#')
    );
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      await documentClient.send(new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME, Key: { id: record.id } }));
    }

    // The event comes back: its delivery is found, still unattempted, and queued again.
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    const [again] = await messagesOf(endpoint.id, 1);
    expect(JSON.parse(again!.Body!)).toMatchObject({ deliveryId: deliveryIdOf(event.detail.eventId, endpoint.id) });
    expect(await attemptAlone(again!)).toEqual([]);
    expect(statusesAt('/ok-refanned')).toEqual(['eligible']);

    // Once attempted, the event seen again queues nothing more.
    for (const record of (await scanAll(documentClient, { TableName: process.env.IDEMPOTENCY_TABLE_NAME })).filter((item) =>
      String(item.id).startsWith('webhook-fanout#')
    )) {
      await documentClient.send(new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME, Key: { id: record.id } }));
    }
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    const leftover = (await deliveries.receive()).filter((message) => JSON.parse(message.Body!).endpointId === endpoint.id);
    await deliveries.settle(leftover, new Set());
    expect(leftover).toEqual([]);
    expect(await deliveryOf(endpoint.id, deliveryIdOf(event.detail.eventId, endpoint.id))).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });
});

describe('two copies of one message in one batch', () => {
  it('make one attempt: the copy that finds it claimed comes back once the claim has run out, and is stale then', async () => {
    const endpoint = await register('/ok-twice');
    const event = statusChanged(randomUUID(), 2, 'eligible', '4700000000000000000001');
    expect(await fanOut(sqsEventOf([event]), lambdaContext('WebhooksFanOut'))).toEqual({ batchItemFailures: [] });
    const [first] = await messagesOf(endpoint.id, 1);
    await deliveries.send(first!.Body!);
    const [copy] = await messagesOf(endpoint.id, 1);

    // The worker handles a batch's records at once: both copies reach the attempt together.
    const failed = await deliveries.invoke(worker, [first!, copy!]);
    await deliveries.settle([first!, copy!], new Set(failed));
    expect(failed).toEqual([]);
    expect(receiver.to('/ok-twice')).toHaveLength(1);

    const [back] = await messagesOf(endpoint.id, 1);
    expect(await attemptAlone(back!)).toEqual([]);
    expect(receiver.to('/ok-twice')).toHaveLength(1);
    expect(await deliveryOf(endpoint.id, deliveryIdOf(event.detail.eventId, endpoint.id))).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });
});
