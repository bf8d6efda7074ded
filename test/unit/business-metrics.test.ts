import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { decisionOutcomes, figuresOf } from '../../functions/domain/business-metrics.ts';

process.env.EVENT_BUS_NAME ??= 'trm-test';
process.env.POWERTOOLS_SERVICE_NAME = 'publish-events';
process.env.STAGE = 'dev';
const { createPublisherHandler } = await import('../../functions/publish-events.ts');

/** Values that must never reach a metric: the person's data and the ids of the case and its partner. */
const markers = ['MarkerGiven', 'MarkerFamily', '1977-07-07', 'marker-ngo', '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', 'TACT-FR-000042'];

const caseItem = (status: string, version: number) => ({
  pk: 'CASE#6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  sk: 'CASE',
  caseId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  reference: 'TACT-FR-000042',
  programmeId: 'TACT',
  referrerId: 'marker-ngo',
  status,
  version,
  person: { givenName: 'MarkerGiven', familyName: 'MarkerFamily', dateOfBirth: '1977-07-07' },
});
const record = (sequence: string, before: Record<string, unknown> | undefined, after: Record<string, unknown>): DynamoDBRecord => ({
  eventName: before === undefined ? 'INSERT' : 'MODIFY',
  dynamodb: {
    SequenceNumber: sequence,
    Keys: marshall({ pk: after.pk, sk: after.sk }) as never,
    ...(before === undefined ? {} : { OldImage: marshall(before) as never }),
    NewImage: marshall(after) as never,
  },
});

interface EmfEntry {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Every line the function wrote to stdout that is an EMF entry (Powertools writes them with console.log). */
const captureEmf = () => {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return {
    spy,
    entries: (): EmfEntry[] =>
      lines
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as EmfEntry),
  };
};

const dimensionValues = (entry: EmfEntry): Record<string, string> =>
  Object.fromEntries(
    entry._aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions.flat()).map((name) => [name, String(entry[name])])
  );

describe('business figures from the event publisher', () => {
  let capture: ReturnType<typeof captureEmf>;
  beforeEach(() => {
    capture = captureEmf();
  });
  afterEach(() => capture.spy.mockRestore());

  it('counts a submitted referral and a decision by programme and outcome, with no personal value or id in a dimension', async () => {
    const bus = { put: async () => ({ failed: [], errorCodes: [] }) };
    const submitted = record('1', undefined, caseItem('submitted', 1));
    const decided = record('2', caseItem('submitted', 1), caseItem('eligible', 2));
    const response = await createPublisherHandler({ bus })({ Records: [submitted, decided] }, lambdaContext('Publisher'));
    expect(response).toEqual({ batchItemFailures: [] });

    const entries = capture.entries();
    const figures = entries.flatMap((entry) =>
      entry._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.map((metric) => ({ name: metric.Name, ...dimensionValues(entry) }))
      )
    );
    expect(figures).toContainEqual({ name: 'ReferralsSubmitted', service: 'publish-events', stage: 'dev', programme: 'TACT' });
    expect(figures).toContainEqual({ name: 'Decisions', service: 'publish-events', stage: 'dev', programme: 'TACT', outcome: 'eligible' });
    for (const entry of entries) expect(entry._aws.CloudWatchMetrics.map((directive) => directive.Namespace)).toEqual(['TRM']);

    const everyDimensionValue = entries.flatMap((entry) => Object.values(dimensionValues(entry)));
    expect(everyDimensionValue.length).toBeGreaterThan(0);
    for (const marker of markers) expect(everyDimensionValue.join('|')).not.toContain(marker);
    // And nowhere in an EMF line at all: a property of the entry is searchable in CloudWatch Logs too.
    for (const marker of markers) expect(JSON.stringify(entries)).not.toContain(marker);
  });

  it('counts a webhook delivery by its outcome, for the webhook sender', async () => {
    const { recordWebhookDelivery } = await import('../../functions/commons/powertools.ts');
    recordWebhookDelivery('gave-up');
    const [entry] = capture.entries();
    expect(entry).toMatchObject({ WebhookDeliveries: 1, outcome: 'gave-up', stage: 'dev' });
    expect(entry!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([expect.arrayContaining(['service', 'stage', 'outcome'])]);
  });
});

describe('the figures of a domain event', () => {
  const caseFacts = {
    eventId: 'e'.repeat(64),
    version: 1 as const,
    caseId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
    reference: 'TACT-FR-000042',
    programmeId: 'TACT',
    referrerId: 'marker-ngo',
    caseVersion: 3,
  };

  it('a decision status is a decision by its outcome; another status change is no figure', () => {
    for (const outcome of decisionOutcomes) {
      expect(
        figuresOf({ type: 'referral.status_changed', detail: { ...caseFacts, status: outcome, previousStatus: 'submitted' } })
      ).toEqual([{ name: 'Decisions', dimensions: { programme: 'TACT', outcome } }]);
    }
    expect(
      figuresOf({ type: 'referral.status_changed', detail: { ...caseFacts, status: 'departed', previousStatus: 'accepted' } })
    ).toEqual([]);
  });

  it('an offer is an offer by programme; a payment is counted by status only', () => {
    expect(figuresOf({ type: 'referral.offered', detail: { ...caseFacts, status: 'eligible', receiverId: 'marker-ngo' } })).toEqual([
      { name: 'Offers', dimensions: { programme: 'TACT' } },
    ]);
    const payment = figuresOf({
      type: 'payment.status_changed',
      detail: {
        eventId: 'e'.repeat(64),
        version: 1,
        paymentId: '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5',
        caseId: caseFacts.caseId,
        reference: caseFacts.reference,
        status: 'approved',
        previousStatus: 'reserved',
        amount: 10_000,
        currency: 'EUR',
        category: 'housing',
        requestedBy: 'marker-ngo',
      },
    } as never);
    expect(payment).toEqual([{ name: 'Payments', dimensions: { status: 'approved' } }]);
  });
});
