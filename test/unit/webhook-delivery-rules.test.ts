import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../../functions/commons/webhook-signing.ts';
import { deliveryIdOf, newWebhookSecret } from '../../functions/domain/webhook-ids.ts';
import { maxQueueDelaySeconds, nextAttemptAfter, queueDelaySeconds, shouldDisable } from '../../functions/domain/webhook-schedule.ts';
import { defaultWebhookSettings, webhookSettingsSchema } from '../../infra/config.ts';

describe('the retry schedule', () => {
  const now = new Date('2027-03-01T00:00:00.000Z');

  it('by default retries with growing delays for more than 24 hours, then gives up', () => {
    const delays = defaultWebhookSettings.retryDelaysSeconds;
    expect(delays.every((delay, i) => i === 0 || delay > delays[i - 1]!)).toBe(true);
    expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThanOrEqual(24 * 60 * 60);
    expect(nextAttemptAfter(defaultWebhookSettings, 1, now)).toEqual(new Date(now.getTime() + delays[0]! * 1000));
    expect(nextAttemptAfter(defaultWebhookSettings, delays.length, now)).toEqual(new Date(now.getTime() + delays.at(-1)! * 1000));
    expect(nextAttemptAfter(defaultWebhookSettings, delays.length + 1, now)).toBeUndefined();
    expect(defaultWebhookSettings.attemptTimeoutSeconds).toBe(10);
    expect(defaultWebhookSettings.disableAfterSeconds).toBe(5 * 24 * 60 * 60);
  });

  it('a stage may not retry for less than a day', () => {
    const short = webhookSettingsSchema.safeParse({ ...defaultWebhookSettings, retryDelaysSeconds: [1, 2, 3] });
    expect(short.success).toBe(false);
  });

  it('disables an endpoint after the configured time of nothing but failures', () => {
    const since = '2027-02-24T00:00:00.000Z';
    expect(shouldDisable(defaultWebhookSettings, since, new Date('2027-02-28T23:59:59.000Z'))).toBe(false);
    expect(shouldDisable(defaultWebhookSettings, since, new Date('2027-03-01T00:00:00.000Z'))).toBe(true);
  });

  it('waits at most 15 minutes per queue message: longer waits take several', () => {
    expect(queueDelaySeconds(new Date(now.getTime() + 3_600_000), now)).toBe(maxQueueDelaySeconds);
    expect(queueDelaySeconds(new Date(now.getTime() + 10_000), now)).toBe(10);
    expect(queueDelaySeconds(new Date(now.getTime() - 10_000), now)).toBe(0);
  });
});

describe('signing', () => {
  it('signs as Standard Webhooks says: a partner verifies with either secret during a rotation', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = deliveryIdOf('a'.repeat(64), '0b6f3c1e-2a4d-4c8e-9f10-3a5b7c9d1e2f');
    const body = JSON.stringify({ id: 'a'.repeat(64), type: 'ping', occurredAt: '2027-03-01T00:00:00.000Z', data: {} });
    const headers = signedHeaders(id, new Date(), body, [current, previous]);
    expect(String(headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(current).verify(`${body} `, headers)).toThrow();
  });

  it('derives one delivery id per event and endpoint, shaped as a UUID', () => {
    const id = deliveryIdOf('a'.repeat(64), 'e1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deliveryIdOf('a'.repeat(64), 'e1')).toBe(id);
    expect(deliveryIdOf('a'.repeat(64), 'e2')).not.toBe(id);
    expect(deliveryIdOf('b'.repeat(64), 'e1')).not.toBe(id);
  });
});
