import { DescribeReplayCommand, EventBridgeClient, ListRulesCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { api, registerPartner } from '../support/api.ts';
import { consumerQueue, followDomainEvents } from '../support/domain-events.ts';
import { resource, waitFor } from '../support/harness.ts';
import { emailsAbout, toAndSubject } from '../support/inbox.ts';
import { queuePoller } from '../support/sqs-poller.ts';

const { handler: mailer } = await import('../../functions/mailer.ts');
const { handler: caseEvents } = await import('../../functions/case-events.ts');

const bus = new EventBridgeClient({ endpoint: inject('endpoints').eventbridge, region: localRegion, credentials: localCredentials });
const events = await followDomainEvents();
const caseEventsQueue = consumerQueue('StakeholderNotificationsCaseEvents');
const deadLetters = queuePoller(caseEventsQueue.deadLetterQueueId);
const notifications = queuePoller('NotificationsQueue');

/**
 * The case-events consumer as a broken deployment runs it: its notifications queue does not
 * exist, so every event it is handed fails (a fault of our own code, no mock needed).
 */
const brokenCaseEvents = async () => {
  const working = process.env.NOTIFICATIONS_QUEUE_URL!;
  vi.resetModules();
  process.env.NOTIFICATIONS_QUEUE_URL = `${working}-that-was-never-deployed`;
  try {
    return (await import('../../functions/case-events.ts')).handler;
  } finally {
    process.env.NOTIFICATIONS_QUEUE_URL = working;
  }
};

const submit = async (key: string) => {
  const created = await api.call('POST /v1/referrals', { key, body: tactReferral() });
  expect(created.status).toBe(201);
  return created.body as { id: string; reference: string };
};

afterAll(() => {
  events.close();
  bus.destroy();
});

describe('a consumer that was broken', () => {
  it('is replayed from the archive once fixed: every effect happens exactly once', async () => {
    const referrer = await registerPartner(['referrer'], 'FR', 'active', { language: 'en' });
    const startedAt = new Date(Date.now() - 1_000);

    // A first case is told to its referrer while the consumer works.
    const before = await submit(referrer.key);
    const handled = caseEventsQueue.routed((await events.publish()).events);
    expect(handled.map((event) => event.detail.caseId)).toEqual([before.id]);
    await caseEventsQueue.deliver(caseEvents, handled);
    await notifications.drain(mailer);
    expect(toAndSubject(await emailsAbout(before.id))).toHaveLength(1);

    // Then a broken consumer: the next case's event fails every receive and lands in the dead-letter queue.
    const broken = await brokenCaseEvents();
    const during = await submit(referrer.key);
    const published = await events.publish();
    const failing = caseEventsQueue.routed(published.events);
    expect(failing.map((event) => event.detail.caseId)).toEqual([during.id]);
    const dead = await waitFor(
      async () => {
        const received = await caseEventsQueue.poller.receive();
        const ours = received.filter((message) => JSON.parse(message.Body!).detail.caseId === during.id);
        await caseEventsQueue.poller.settle(
          received.filter((message) => !ours.includes(message)),
          new Set()
        );
        if (ours.length > 0) {
          const failed = await caseEventsQueue.poller.invoke(broken, ours);
          expect(failed).toHaveLength(ours.length);
          await caseEventsQueue.poller.settle(ours, new Set(failed));
        }
        const inDeadLetter = await deadLetters.receive();
        return inDeadLetter.length > 0 && inDeadLetter;
      },
      { timeoutMs: 20_000, description: 'the failing event in the dead-letter queue' }
    );
    expect(dead.map((message) => JSON.parse(message.Body!).detail.eventId)).toEqual([failing[0]!.detail.eventId]);
    expect(await emailsAbout(during.id)).toEqual([]);
    // Ops take the piled-up messages off the dead-letter queue (its alarm clears): the archive has the events.
    await deadLetters.settle(dead, new Set());

    // Fixed, and replayed from the archive to this consumer's rule only, over the whole window.
    const { Rules = [] } = await bus.send(new ListRulesCommand({ EventBusName: resource('EventsBus').ref }));
    const rule = Rules.find((candidate) => candidate.Name?.includes('StakeholderNotificationsCaseEventsFeedRule'));
    expect(rule?.Arn).toBeDefined();
    const replayName = `case-events-${Date.now()}`;
    await bus.send(
      new StartReplayCommand({
        ReplayName: replayName,
        EventSourceArn: resource('EventsBusArchive').attributes.Arn,
        Destination: { Arn: resource('EventsBus').attributes.Arn, FilterArns: [rule!.Arn!] },
        EventStartTime: startedAt,
        EventEndTime: new Date(Date.now() + 1_000),
      })
    );
    await waitFor(async () => (await bus.send(new DescribeReplayCommand({ ReplayName: replayName }))).State === 'COMPLETED', {
      description: 'the replay to complete',
    });

    // Both cases' events come again (the first was already handled), each handed over twice.
    vi.resetModules();
    const { handler: fixed } = await import('../../functions/case-events.ts');
    const replayed = await caseEventsQueue.deliver(fixed, [...handled, ...failing], { deliveries: 2 });
    expect(replayed.bodies.map((body) => body['replay-name'])).toEqual([replayName, replayName]);
    await notifications.drain(mailer, { deliveries: 2 });

    const told = (reference: string) => `${referrer.emails[0]} | Referral ${reference} received`;
    const emailed = await waitFor(async () => {
      const found = await emailsAbout(during.id);
      return found.length > 0 && found;
    });
    expect(toAndSubject(emailed)).toEqual([told(during.reference)]);
    // The event handled before the break was replayed too, and recognised: no second email.
    expect(toAndSubject(await emailsAbout(before.id))).toEqual([told(before.reference)]);
    expect(await emailsAbout(during.id)).toHaveLength(1);
  });
});
