import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { expect, inject } from 'vitest';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { openCaseStream, streamEvent } from './case-stream.ts';
import { resource } from './harness.ts';
import type { Json } from './json.ts';
import { personalDataAccess } from './personal-data-access.ts';

/**
 * What the platform does on its own in the lifecycle, in-process. The path test talks only to `api`
 * (./api.ts) and `platform`, so porting it to the local stack means giving these two an HTTP and a
 * wait-for-the-effect implementation; the test itself stays as it is.
 */

/** Matches a stream record against a Lambda filter pattern; only the operators the template uses. */
const matches = (pattern: unknown, value: unknown): boolean => {
  if (Array.isArray(pattern)) {
    if (pattern.some((option) => typeof option === 'object' && option !== null)) {
      throw new Error(`filter operator ${JSON.stringify(pattern)} is not supported by this test helper`);
    }
    return pattern.includes(value);
  }
  if (typeof pattern !== 'object' || pattern === null || typeof value !== 'object' || value === null) return false;
  return Object.entries(pattern).every(([key, inner]) => matches(inner, (value as Record<string, unknown>)[key]));
};

/** The filter patterns of the event source mapping of the function whose logical id starts with `prefix`. */
const templateFilters = (functionLogicalIdPrefix: string): unknown[] => {
  const template = JSON.parse(readFileSync(inject('templatePath'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, Json> }>;
  };
  const mapping = Object.values(template.Resources).find(
    (candidate) =>
      candidate.Type === 'AWS::Lambda::EventSourceMapping' &&
      String(candidate.Properties.FunctionName?.Ref).startsWith(functionLogicalIdPrefix)
  );
  if (mapping === undefined) throw new Error(`no event source mapping for ${functionLogicalIdPrefix}`);
  return (mapping.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((filter) => JSON.parse(filter.Pattern));
};

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

  /** Starts following the cases stream; what is written from now on can be delivered to consumers. */
  async followCaseStream() {
    const stream = await openCaseStream();
    const offerFilters = templateFilters('LifecycleOfferReferral');
    const { handler: offerHandler } = (await import('../../functions/offer-referral.ts')) as { handler: Handler };
    return {
      /** Delivers the records since the last delivery to the offer consumer, filtered as the template says. */
      async deliverToOfferConsumer(): Promise<DynamoDBRecord[]> {
        const records = (await stream.next()).filter((record) => offerFilters.some((pattern) => matches(pattern, record)));
        if (records.length > 0) {
          const result = await offerHandler(streamEvent(records), lambdaContext('OfferReferral'));
          expect(result.batchItemFailures).toEqual([]);
        }
        return records;
      },
      close: () => stream.close(),
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
