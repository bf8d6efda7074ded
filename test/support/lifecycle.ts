import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { inject } from 'vitest';
import type { DomainEvent } from '../../events/domain-events.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { consumerQueue, followDomainEvents } from './domain-events.ts';
import { resource } from './harness.ts';
import type { Json } from './json.ts';
import { personalDataAccess } from './personal-data-access.ts';

/**
 * What the platform does on its own in the lifecycle, in-process. The path test talks only to `api`
 * (./api.ts) and `platform`, so porting it to the local stack means giving these two an HTTP and a
 * wait-for-the-effect implementation; the test itself stays as it is.
 */

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
type Handler = (event: unknown, context: unknown) => Promise<Json>;

/** What the platform does on its own: eligibility, stream consumers and the schedule. */
export const platform = {
  /**
   * Stands in for the eligibility work (not on this branch): the case is assessed eligible by the
   * system, as its stream consumer will do.
   */
  async assessEligible(caseId: string): Promise<void> {
    const { PlaceRepository } = await import('../../functions/adapters/place-repository.ts');
    const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
    const places = new PlaceRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());
    // The engine's own write path, with places but without caps: these tests are not about caps.
    const outcome = await places.takeAction(
      caseId,
      { action: 'assessEligible', by: 'system', actors: ['system'] },
      { caps: { assessment: null, assistance: null } }
    );
    if (outcome.outcome !== 'done') throw new Error(`case ${caseId} could not be made eligible: ${outcome.outcome}`);
  },

  /** Starts following the cases stream; what is written from now on can be published and delivered to consumers. */
  async followCaseStream() {
    const events = await followDomainEvents();
    const offers = consumerQueue('LifecycleOfferReferral');
    const { handler: offerHandler } = (await import('../../functions/offer-referral.ts')) as { handler: SqsHandler };
    const deliver = async ({ events: published }: { events: DomainEvent[] }) => (await offers.deliver(offerHandler, published)).routed;
    return {
      /**
       * Publishes the changes since the last delivery (functions/publish-events.ts) and delivers the
       * events the offer consumer's rule routes to its queue; answers those events.
       */
      deliverToOfferConsumer: async (): Promise<DomainEvent[]> => deliver(await events.publish()),
      /** The changes of the last delivery published and delivered again, as a retried stream batch would. */
      redeliverToOfferConsumer: async (): Promise<DomainEvent[]> => deliver(await events.republish()),
      close: () => events.close(),
    };
  },

  /** One run of the daily reminders job, as EventBridge invokes it, for the day of `time`. */
  async runReminders(time: Date): Promise<{ casesChecked: number; remindersSent: number }> {
    const { handler } = (await import('../../functions/send-reminders.ts')) as { handler: Handler };
    return handler(
      {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: localRegion,
        resources: ['arn:aws:events:eu-west-3:000000000000:rule/DailyReminders'],
        detail: {},
      },
      lambdaContext('SendReminders', 300_000)
    );
  },
};

/** Takes every message off the notifications queue (read from the real queue in fauxqs). */
export const drainNotifications = async (): Promise<Array<Record<string, Json>>> => {
  const client = new SQSClient({ endpoint: inject('endpoints').sqs, region: localRegion, credentials: localCredentials });
  const queueUrl = resource('NotificationsQueue').ref;
  const messages: Array<Record<string, Json>> = [];
  try {
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })
      );
      if (Messages.length === 0) return messages;
      for (const message of Messages) {
        messages.push(JSON.parse(message.Body!));
        await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
  } finally {
    client.destroy();
  }
};

/** `YYYY-MM-DD`, `days` from today (negative for the past). */
export const dayFromToday = (days: number): string => {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
};
