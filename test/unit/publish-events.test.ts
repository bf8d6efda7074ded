import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../events/domain-events.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import type { PutOutcome } from '../../functions/adapters/event-bus.ts';
import { paymentPrefix } from '../../functions/adapters/payment-items.ts';
import { paymentItemPrefix } from '../../functions/adapters/table-changes.ts';

process.env.EVENT_BUS_NAME ??= 'trm-test';
const { createPublisherHandler } = await import('../../functions/publish-events.ts');

const caseItem = (status: string, version: number) => ({
  pk: 'CASE#6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  sk: 'CASE',
  caseId: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
  reference: 'TACT-FR-000042',
  programmeId: 'TACT',
  referrerId: 'paris-ngo',
  status,
  version,
  person: { givenName: 'Arta', familyName: 'Hoxha', dateOfBirth: '1990-01-01' },
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

/**
 * Stands in for the bus adapter: a PutEvents that takes some entries of a call and refuses others
 * (throttling) is a fault the local bus cannot be made to produce, so the answers are scripted.
 */
const scriptedBus = (answers: Array<(events: readonly DomainEvent[]) => PutOutcome>) => {
  const calls: DomainEvent[][] = [];
  return {
    calls,
    bus: {
      put: async (events: readonly DomainEvent[]): Promise<PutOutcome> => {
        calls.push([...events]);
        const answer = answers[calls.length - 1] ?? (() => ({ failed: [], errorCodes: [] }));
        return answer(events);
      },
    },
  };
};
const refuseFirst = (events: readonly DomainEvent[]): PutOutcome => ({ failed: [events[0]!], errorCodes: ['ThrottlingException'] });

describe('the publisher', () => {
  const promoted = record('100', caseItem('waitlisted', 4), caseItem('eligible', 5));
  const history = record('101', undefined, { pk: promoted.dynamodb!.Keys!.pk!.S, sk: 'HISTORY#2026-12-01T10:00:00Z#000005', action: 'x' });

  it('puts the events of each record, and again only the entries the bus refused', async () => {
    const { bus, calls } = scriptedBus([refuseFirst]);
    const response = await createPublisherHandler({ bus })({ Records: [promoted] }, lambdaContext('Publisher'));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls.map((call) => call.map((event) => event.type))).toEqual([
      ['referral.status_changed', 'referral.promoted'],
      ['referral.status_changed'],
    ]);
  });

  it('reports a record whose events the bus kept refusing as a batch item failure, alone', async () => {
    // The records are published side by side: the bus refuses whatever is about version 5, every time.
    const refuseVersion5 = (events: readonly DomainEvent[]): PutOutcome => {
      const failed = events.filter((event) => 'caseVersion' in event.detail && event.detail.caseVersion === 5);
      return { failed, errorCodes: failed.map(() => 'InternalFailure') };
    };
    const { bus, calls } = scriptedBus([refuseVersion5, refuseVersion5, refuseVersion5, refuseVersion5]);
    const other = record('102', caseItem('eligible', 5), caseItem('accepted', 6));
    const response = await createPublisherHandler({ bus })({ Records: [promoted, other] }, lambdaContext('Publisher'));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '100' }] });
    // Three attempts for the failing record, one for the other.
    expect(calls).toHaveLength(4);
  });

  it("stamps each event with its record's place in the stream, for consumers that keep a case's changes in order", async () => {
    const { bus, calls } = scriptedBus([]);
    await createPublisherHandler({ bus })({ Records: [promoted] }, lambdaContext('Publisher'));
    expect(calls.flat().map((event) => event.detail.sequence)).toEqual(['100', '100']);
  });

  it('puts nothing for a record no event is about, and never a personal value', async () => {
    const { bus, calls } = scriptedBus([]);
    const response = await createPublisherHandler({ bus })({ Records: [history, promoted] }, lambdaContext('Publisher'));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toHaveLength(1);
    for (const value of ['Arta', 'Hoxha', '1990-01-01']) expect(JSON.stringify(calls)).not.toContain(value);
  });
});

describe("the publisher's reading of the table's keys", () => {
  it('knows payment items by the prefix the payment repository writes', () => {
    expect(paymentItemPrefix).toBe(paymentPrefix);
  });
});
