import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { disbursementExample, paymentRequestExample } from '../../events/samples/payments.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import type { StoredEmail } from '../support/inbox.ts';
import type { Json } from '../support/json.ts';
import { approvePlanThroughRoutes, expectOk, type PartnerCall, partnerApi } from './support/case-path.ts';
import { assemblyWithWebhookSettings, compressedWebhookSettings } from './support/compressed-webhooks.ts';
import { startFunctions } from './support/started-functions.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

/*
 * Partner webhooks through the local stack: the real template, with the stage's webhook settings
 * compressed to seconds (support/compressed-webhooks.ts), delivering to receivers served by this
 * test on localhost (the local stage allows http://localhost). Every request a receiver gets is
 * verified with the `standardwebhooks` library, as a partner would.
 */
let stack: LocalStack;
let receiver: WebhookReceiver;
let assembly: ReturnType<typeof assemblyWithWebhookSettings> | undefined;
let call: PartnerCall;
const secrets = new Map<string, string>();
/** The functions this file goes through, started before it (support/started-functions.ts says why). */
const throughFunctions = [
  'Authorizer',
  'Webhooks',
  'CreateReferral',
  'GetReferral',
  'EventsPublisher',
  'EligibilityAssess',
  'LifecycleOfferReferral',
  'LifecycleAcceptReferral',
  'LifecycleRecordDeparture',
  'LifecycleRecordArrival',
  'LifecycleDraftPlan',
  'LifecycleApprovePlan',
  'RequestPayment',
  'GetPayment',
  'ApprovePayment',
  'RecordDisbursement',
  'PaymentProcessingProcessor',
  'PaymentProcessingNotifier',
  'StakeholderNotifications',
];

beforeAll(async () => {
  assembly = assemblyWithWebhookSettings(inject('e2eCdkOut'), compressedWebhookSettings);
  receiver = await startWebhookReceiver();
  stack = await startLocalStack({ cdkOutDir: assembly.dir, port: 0, warmUp: false });
  call = partnerApi(stack);
  // On a loaded machine the first cold starts, all at once, can outlast Lambda's 10-second init:
  // the registration route answering its own refusal says the stack is ready.
  await waitFor(
    async () =>
      (await call('demo-coordinator', 'POST', '/v1/webhooks', { url: 'http://example.org/ready', events: ['ping'] })).status === 400,
    { timeoutMs: 100_000, intervalMs: 1000, description: 'the registration route served' }
  );
  await startFunctions(stack, throughFunctions);
}, 360_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  assembly?.remove();
});

interface Delivered {
  webhookId: string;
  payload: { id: string; type: string; occurredAt: string; data: Record<string, Json> };
}

const register = async (partnerId: string, path: string, events: string[]): Promise<Json> => {
  const created = expectOk(await call(partnerId, 'POST', '/v1/webhooks', { url: receiver.url(path), events }), 201);
  expect(created).toMatchObject({ url: receiver.url(path), events, status: 'active', secret: expect.stringMatching(/^whsec_/) });
  secrets.set(path, created.secret as string);
  return created;
};

/** Every POST a receiver path got, each verified with its endpoint's secret (a forged or altered one throws). */
const verifiedAt = (path: string, secret = secrets.get(path)!): Delivered[] =>
  receiver.to(path).map((request) => ({
    webhookId: request.headers['webhook-id']!,
    payload: new Webhook(secret).verify(request.body, request.headers) as Delivered['payload'],
  }));

const deliveriesOf = async (partnerId: string, webhookId: string): Promise<Json[]> =>
  expectOk(await call(partnerId, 'GET', `/v1/webhooks/${webhookId}/deliveries?limit=200`)).items as Json[];

describe('partner webhooks through the local stack', () => {
  it('refuses URLs it may not send to, and shows a partner its own endpoints only', async () => {
    for (const url of [
      'http://example.org/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      receiver.url('/redirect'),
    ]) {
      const refused = await call('demo-referrer-fr', 'POST', '/v1/webhooks', { url, events: ['referral.status_changed'] });
      expect(refused.status, url).toBe(400);
      expect(refused.body.errors, url).toEqual([{ path: 'url', message: expect.any(String) }]);
    }
    const own = await register('demo-referrer-es', '/ok-es', ['referral.status_changed']);
    expect(expectOk(await call('demo-referrer-es', 'GET', '/v1/webhooks')).items).toEqual([
      expect.objectContaining({ id: own.id, status: 'active' }),
    ]);
    expect(expectOk(await call('demo-referrer-es', 'GET', `/v1/webhooks/${own.id}`))).not.toHaveProperty('secret');
    expect((await call('demo-referrer-fr', 'GET', `/v1/webhooks/${own.id}`)).status).toBe(404);
    expect((await call('demo-referrer-fr', 'DELETE', `/v1/webhooks/${own.id}`)).status).toBe(404);
    const deleted = await fetch(`${stack.apiUrl}/v1/webhooks/${own.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${stack.partners.find((partner) => partner.id === 'demo-referrer-es')!.key}` },
    });
    expect(deleted.status).toBe(204);
    expect(expectOk(await call('demo-referrer-es', 'GET', '/v1/webhooks')).items).toEqual([]);
  });

  it("pushes a TACT case's changes and its payment's steps, signed, in order, once each, to the partners that may see them", async () => {
    // Given the referrer, the receiver, a receiver with no part in the case, and a coordinator whose receiver fails once per event.
    const referrer = await register('demo-referrer-fr', '/ok-referrer', ['referral.status_changed']);
    const assigned = await register('demo-receiver-al', '/ok-receiver', [
      'referral.status_changed',
      'referral.offered',
      'payment.status_changed',
    ]);
    await register('demo-receiver-ma', '/ok-other', ['referral.status_changed', 'referral.offered', 'payment.status_changed']);
    const coordinator = await register('demo-coordinator', '/flaky-coordinator', ['referral.status_changed']);

    // When the case goes from submission to an approved plan and a payment is disbursed.
    const created = expectOk(await call('demo-referrer-fr', 'POST', '/v1/referrals', tactReferral()), 201);
    const caseId = created.id as string;
    await approvePlanThroughRoutes(stack, caseId, { plan: { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] } });
    const paymentId = expectOk(await call('demo-receiver-al', 'POST', `/v1/referrals/${caseId}/payments`, paymentRequestExample), 202)
      .id as string;
    await waitFor(async () => (await call('demo-coordinator', 'GET', `/v1/payments/${paymentId}`)).body.status === 'reserved', {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the payment reserved',
    });
    expectOk(await call('demo-coordinator', 'POST', `/v1/payments/${paymentId}/approve`, {}));
    expectOk(
      await call('demo-finance', 'POST', `/v1/payments/${paymentId}/disbursed`, disbursementExample(new Date().toISOString().slice(0, 10)))
    );

    // Then each partner's receiver gets what it may see, verified, in the order it happened.
    const caseStatuses = ['submitted', 'eligible', 'accepted', 'departed', 'arrived', 'reintegrating'];
    const aboutCase = (path: string) => verifiedAt(path).filter((delivered) => delivered.payload.data.caseId === caseId);
    const statusesAt = (path: string, type: string) =>
      aboutCase(path)
        .filter((delivered) => delivered.payload.type === type)
        .map((delivered) => delivered.payload.data.status);
    await waitFor(() => statusesAt('/ok-referrer', 'referral.status_changed').length >= caseStatuses.length, {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: "the case's status changes at the referrer's receiver",
    });
    await waitFor(() => statusesAt('/ok-receiver', 'payment.status_changed').includes('disbursed'), {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: "the payment's steps at the receiver's receiver",
    });
    expect(statusesAt('/ok-referrer', 'referral.status_changed')).toEqual(caseStatuses);
    expect(statusesAt('/ok-receiver', 'referral.offered')).toEqual(['eligible']);
    // The receiver sees the case once it is offered it: the changes from then on.
    expect(statusesAt('/ok-receiver', 'referral.status_changed')).toEqual(['accepted', 'departed', 'arrived', 'reintegrating']);
    expect(statusesAt('/ok-receiver', 'payment.status_changed')).toEqual(['requested', 'reserved', 'approved', 'disbursed']);
    const versions = aboutCase('/ok-referrer').map((delivered) => delivered.payload.data.caseVersion as number);
    expect(versions).toEqual([...versions].sort((left, right) => left - right));
    const payment = aboutCase('/ok-receiver').find((delivered) => delivered.payload.type === 'payment.status_changed')!;
    expect(payment.payload.data).toMatchObject({
      paymentId,
      caseId,
      amount: paymentRequestExample.amount,
      currency: 'EUR',
      category: 'medical',
    });
    // Never personal data: the payee, the purpose and the person appear in no request.
    for (const request of receiver.requests) {
      for (const value of [paymentRequestExample.payee.name, paymentRequestExample.purpose, tactReferral().person.familyName]) {
        expect(request.body).not.toContain(value);
      }
    }

    // The coordinator's receiver answered 500 to each event's first request: each came again, the same id, and was delivered.
    await waitFor(
      async () => {
        const deliveries = await deliveriesOf('demo-coordinator', coordinator.id as string);
        return deliveries.length >= caseStatuses.length && deliveries.every((delivery) => delivery.status === 'delivered') && deliveries;
      },
      { timeoutMs: 60_000, intervalMs: 300, description: "the coordinator's deliveries delivered on their retry" }
    ).then((deliveries) => {
      for (const delivery of deliveries) {
        expect(delivery).toMatchObject({ attempts: 2, lastStatusCode: 204 });
        expect(delivery.history.map((attempt: Json) => attempt.statusCode)).toEqual([500, 204]);
      }
    });
    const coordinatorIds = verifiedAt('/flaky-coordinator').map((delivered) => delivered.webhookId);
    for (const id of new Set(coordinatorIds)) expect(coordinatorIds.filter((candidate) => candidate === id)).toHaveLength(2);

    // The receiver with no part in the case was sent nothing about it.
    expect(aboutCase('/ok-other')).toEqual([]);

    // Each event reached each receiver once, even when the bus delivers it twice more.
    const last = aboutCase('/ok-referrer').at(-1)!;
    const deliveriesBefore = (await deliveriesOf('demo-referrer-fr', referrer.id as string)).length;
    const requestsBefore = receiver.to('/ok-referrer').length;
    const putAt = Date.now();
    const events = new EventBridgeClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.eventbridge });
    const detail = {
      ...last.payload.data,
      eventId: last.payload.id,
      version: 1,
      referrerId: 'demo-referrer-fr',
      receiverId: 'demo-receiver-al',
    };
    const entry = {
      Source: 'trm.referrals',
      DetailType: 'referral.status_changed',
      EventBusName: 'trm-dev',
      Detail: JSON.stringify(detail),
    };
    const put = await events.send(new PutEventsCommand({ Entries: [entry, entry] }));
    events.destroy();
    expect(put.FailedEntryCount).toBe(0);
    await waitFor(
      () => stack.invocations.filter((record) => record.functionId.startsWith('WebhooksFanOut') && record.startedAt >= putAt).length >= 1,
      { timeoutMs: 30_000, intervalMs: 100, description: 'the fan-out handling the repeated event' }
    );
    expect(await deliveriesOf('demo-referrer-fr', referrer.id as string)).toHaveLength(deliveriesBefore);
    expect(receiver.to('/ok-referrer')).toHaveLength(requestsBefore);
    for (const path of ['/ok-referrer', '/ok-receiver']) {
      const ids = verifiedAt(path).map((delivered) => delivered.webhookId);
      expect(new Set(ids).size, path).toBe(ids.length);
    }

    // Redeliver: the same delivery again, with the same webhook-id and body, signed with the new secret and (for a day) the old.
    const rotated = expectOk(await call('demo-receiver-al', 'POST', `/v1/webhooks/${assigned.id}/rotate-secret`));
    const oldSecret = secrets.get('/ok-receiver')!;
    const again = aboutCase('/ok-receiver').at(-1)!;
    const redelivered = expectOk(
      await call('demo-receiver-al', 'POST', `/v1/webhooks/${assigned.id}/deliveries/${again.webhookId}/redeliver`),
      202
    );
    expect(redelivered).toMatchObject({ id: again.webhookId, status: 'pending' });
    await waitFor(() => receiver.to('/ok-receiver').filter((request) => request.headers['webhook-id'] === again.webhookId).length === 2, {
      timeoutMs: 30_000,
      intervalMs: 100,
      description: 'the redelivery',
    });
    const [first, second] = receiver.to('/ok-receiver').filter((request) => request.headers['webhook-id'] === again.webhookId);
    expect(second!.body).toBe(first!.body);
    expect(new Webhook(rotated.secret as string).verify(second!.body, second!.headers)).toEqual(again.payload);
    expect(new Webhook(oldSecret).verify(second!.body, second!.headers)).toEqual(again.payload);
    // The whole way of a case through the platform and its consumers, on a shared two-core machine.
  }, 240_000);

  it('gives up on a receiver that never answers after the schedule, disables the endpoint and emails its partner', async () => {
    const silent = await register('demo-referrer-fr', '/silent', ['referral.status_changed']);
    const pingOf = async () => expectOk(await call('demo-referrer-fr', 'POST', `/v1/webhooks/${silent.id}/ping`), 202);
    const first = await pingOf();
    const attempts = compressedWebhookSettings.retryDelaysSeconds.length + 1;
    await waitFor(
      async () =>
        (await deliveriesOf('demo-referrer-fr', silent.id as string)).find(
          (delivery) => delivery.id === first.id && delivery.status === 'failed'
        ),
      { timeoutMs: 30_000, intervalMs: 200, description: 'the ping failed after the schedule' }
    ).then((delivery) => {
      expect(delivery.attempts).toBe(attempts);
      expect(delivery.history.map((attempt: Json) => attempt.outcome)).toEqual(Array(attempts).fill('timeout'));
    });
    expect(receiver.to('/silent').filter((request) => request.headers['webhook-id'] === first.id)).toHaveLength(attempts);

    // Failures go on (a ping whenever none is pending) until they have lasted the stage's limit:
    // the failed attempt after that disables the endpoint.
    const disabled = await waitFor(
      async () => {
        const endpoint = expectOk(await call('demo-referrer-fr', 'GET', `/v1/webhooks/${silent.id}`));
        if (endpoint.status === 'disabled') return endpoint;
        const deliveries = await deliveriesOf('demo-referrer-fr', silent.id as string);
        if (deliveries.every((delivery) => delivery.status !== 'pending')) await pingOf();
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 500, description: 'the endpoint disabled' }
    );
    expect(disabled.disabledAt).toEqual(expect.any(String));
    // The partner writes in French: the email is in French.
    const email = await waitFor(
      async () =>
        ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails.find(
          (candidate) => candidate.subject === `Webhook désactivé : ${receiver.url('/silent')}`
        ),
      { timeoutMs: 30_000, intervalMs: 200, description: 'the email telling the partner' }
    );
    expect(email.destination.to).toEqual(['demo-referrer-fr@demo.trm.example.org']);
    expect((await call('demo-referrer-fr', 'POST', `/v1/webhooks/${silent.id}/ping`)).status).toBe(409);
  }, 180_000);
});
