import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Message } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { expect, inject } from 'vitest';
import { type DomainEvent, domainEventTypes } from '../../events/domain-events.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { tableChangeOf } from '../../functions/adapters/table-changes.ts';
import { caseEventsOf, paymentEventsOf } from '../../functions/domain/domain-events.ts';
import { type FilterPattern, matchesAnyFilter, matchesPattern, parseFilterPattern } from '../../infra/local/event-filter.ts';
import type { CfnTemplate } from '../../infra/local/template.ts';
import { openCaseStream, streamEvent } from './case-stream.ts';
import { waitFor } from './harness.ts';
import type { Json } from './json.ts';
import { queuePoller } from './sqs-poller.ts';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;

/**
 * The stream records the publisher's event source mapping lets through, by its filter criteria in
 * the template, read with the local stack's matcher (it knows `prefix`, which payment items use).
 */
const publisherFilter = () => {
  const resources = (JSON.parse(readFileSync(inject('templatePath'), 'utf8')) as CfnTemplate).Resources as Resources;
  const publisherId = Object.keys(resources).find(
    (id) => resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith('EventsPublisher')
  );
  const mappings = Object.values(resources).filter(
    (candidate) => candidate.Type === 'AWS::Lambda::EventSourceMapping' && candidate.Properties.FunctionName?.Ref === publisherId
  );
  if (mappings.length !== 1) throw new Error(`expected one event source mapping for the publisher, found ${mappings.length}`);
  const patterns = (mappings[0]!.Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((filter) =>
    parseFilterPattern(filter.Pattern, 'EventsPublisher')
  );
  return (records: DynamoDBRecord[]): DynamoDBRecord[] => records.filter((record) => matchesAnyFilter(patterns, record));
};

/** The events a stream record is, as the publisher maps it (functions/publish-events.ts). */
export const eventsOfRecord = (record: DynamoDBRecord): DomainEvent[] => {
  const change = tableChangeOf(record);
  if (change === undefined) return [];
  return change.of === 'case' ? caseEventsOf(change.before, change.after) : paymentEventsOf(change.before, change.after);
};

/**
 * The path of a change to the consumers, as deployed: the cases table's real stream, read through
 * the publisher's filter from the template, handed to the real publisher, which puts its events on
 * the template's bus (the integration tests' global setup), whose rules deliver them to the consumers' queues.
 */
export const followDomainEvents = async () => {
  const stream = await openCaseStream();
  const published = publisherFilter();
  const { handler: publisher } = await import('../../functions/publish-events.ts');
  let last: DynamoDBRecord[] = [];

  const publishRecords = async (records: DynamoDBRecord[], deliveries: number) => {
    for (let delivery = 0; delivery < deliveries; delivery++) {
      if (records.length > 0)
        expect(await publisher(streamEvent(records), lambdaContext('EventsPublisher'))).toEqual({ batchItemFailures: [] });
    }
    return { records, events: records.flatMap(eventsOfRecord) };
  };

  return {
    /** Publishes what the stream carried since the last call, each record `deliveries` times (a retried batch). */
    async publish(deliveries = 1) {
      last = published(await stream.next());
      return publishRecords(last, deliveries);
    },
    /** The records the publisher would be handed since the last call, not published (to hand them over yourself). */
    async records() {
      last = published(await stream.next());
      return last;
    },
    /** Publishes the records of the last `publish` again, as the stream redelivers them. */
    republish: (deliveries = 1) => publishRecords(last, deliveries),
    close: () => stream.close(),
  };
};

/**
 * The queue of the consumer function whose logical id starts with `functionPrefix`, and what its
 * rule lets through. `deliver` waits (bounded) for the queue to hold every message the rule routes
 * of `events`, `copies` each, and hands them to the handler, each batch `deliveries` times, as an
 * at-least-once queue may. A message about another test's events is taken off the queue unhandled.
 */
export const consumerQueue = (functionPrefix: string) => {
  const resources = (JSON.parse(readFileSync(inject('templatePath'), 'utf8')) as CfnTemplate).Resources as Resources;
  const functionId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith(functionPrefix));
  const mapping = Object.values(resources).find(
    (candidate) =>
      candidate.Type === 'AWS::Lambda::EventSourceMapping' &&
      candidate.Properties.FunctionName?.Ref === functionId &&
      candidate.Properties.EventSourceArn?.['Fn::GetAtt']?.[1] === 'Arn'
  );
  if (mapping === undefined) throw new Error(`no queue feeds ${functionPrefix}`);
  const queueId = mapping.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
  const patterns = Object.values(resources)
    .filter(
      (rule) =>
        rule.Type === 'AWS::Events::Rule' &&
        (rule.Properties.Targets as Json[] | undefined)?.some((target) => target.Arn?.['Fn::GetAtt']?.[0] === queueId)
    )
    .map((rule) => rule.Properties.EventPattern as FilterPattern);
  const poller = queuePoller(queueId);

  const routed = (events: readonly DomainEvent[]) =>
    events.filter((event) => {
      const envelope = { source: domainEventTypes[event.type].source, 'detail-type': event.type, detail: event.detail };
      return patterns.some((pattern) => matchesPattern(pattern, envelope));
    });

  const deliver = async (handler: SqsHandler, events: readonly DomainEvent[], options: { copies?: number; deliveries?: number } = {}) => {
    const { copies = 1, deliveries = 1 } = options;
    const expected = routed(events);
    const wanted = new Set(expected.map((event) => event.detail.eventId));
    const received: Message[] = [];
    const failed: string[] = [];
    if (wanted.size > 0) {
      await waitFor(
        async () => {
          const batch = await poller.receive();
          const mine = batch.filter((message) => wanted.has(JSON.parse(message.Body!).detail?.eventId));
          await poller.settle(
            batch.filter((message) => !mine.includes(message)),
            new Set()
          );
          if (mine.length > 0) {
            const failedIds = new Set<string>();
            for (let delivery = 0; delivery < deliveries; delivery++)
              for (const id of await poller.invoke(handler, mine)) failedIds.add(id);
            failed.push(...failedIds);
            await poller.settle(mine, failedIds);
            received.push(...mine.filter((message) => !failedIds.has(message.MessageId!)));
          }
          return received.length >= expected.length * copies;
        },
        { timeoutMs: 20_000, intervalMs: 50, description: `${expected.length * copies} events on the queue of ${functionPrefix}` }
      );
    }
    expect(failed).toEqual([]);
    return { routed: expected, received, bodies: received.map((message) => JSON.parse(message.Body!) as Json) };
  };

  return {
    queueId,
    deadLetterQueueId: resources[queueId]!.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string,
    routed,
    deliver,
    poller,
  };
};

/**
 * The events a consumer's rule routes of what the cases stream carried, as the publisher maps them:
 * `routedTo('EligibilityPromote')(records)` are the place releases the promoter would be sent.
 */
export const routedTo = (functionPrefix: string) => {
  const published = publisherFilter();
  const queue = consumerQueue(functionPrefix);
  return (records: DynamoDBRecord[]): DomainEvent[] => queue.routed(published(records).flatMap(eventsOfRecord));
};

/** An SQS event as Lambda hands a queue's messages to a function, each body the bus's envelope of an event. */
export const sqsEventOf = (events: readonly DomainEvent[]): SQSEvent => ({
  Records: events.map((event) => ({
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': event.type,
      source: domainEventTypes[event.type].source,
      account: '000000000000',
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'eu-west-3',
      resources: [],
      detail: event.detail,
    }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-3:000000000000:consumer',
    awsRegion: 'eu-west-3',
  })),
});

/**
 * Invokes a consumer with events in batches of ten (the queue mappings' size), every batch at once,
 * as concurrent pollers would; `times: 2` delivers every batch twice, concurrently. As the queue
 * does, a message the consumer failed comes back (a copy handed over while the other copy was being
 * handled is refused as in progress, then recognised as handled), up to the queues' five receives;
 * the answer is what was still failed after them, one response per batch.
 */
export const deliverEvents = async (
  handler: SqsHandler,
  events: readonly DomainEvent[],
  options: { times?: number } = {}
): Promise<SQSBatchResponse[]> => {
  const batches: DomainEvent[][] = [];
  for (let start = 0; start < events.length; start += 10) batches.push(events.slice(start, start + 10));
  const invocations = Array.from({ length: options.times ?? 1 }, () => batches).flat();
  const invoke = async (batch: readonly DomainEvent[]): Promise<DomainEvent[]> => {
    const event = sqsEventOf(batch);
    const response = await handler(event, lambdaContext('EventConsumer', 60_000));
    const failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    return batch.filter((_event, index) => failedIds.has(event.Records[index]!.messageId));
  };
  // Every copy is handed over before any comes back, as the visibility timeout keeps a failed one away.
  const firstReceives = await Promise.all(invocations.map(invoke));
  return Promise.all(
    firstReceives.map(async (failedFirst) => {
      let failed = failedFirst;
      for (let receive = 2; receive <= 5 && failed.length > 0; receive++) failed = await invoke(failed);
      return { batchItemFailures: failed.map((event) => ({ itemIdentifier: event.detail.eventId })) };
    })
  );
};
