import type { DynamoDBRecord } from 'aws-lambda';
import { EventBus, eventBridgeClient } from '#adapters/event-bus';
import { tableChangeOf } from '#adapters/table-changes';
import { requiredEnv } from '#commons/env';
import { fullJitter, lostRace, optimistically } from '#commons/optimistic';
import { logger, recordFigures } from '#commons/powertools';
import { streamConsumer } from '#commons/stream';
import { figuresOf } from '#domain/business-metrics';
import { caseEventsOf, paymentEventsOf } from '#domain/domain-events';
import { type DomainEvent, streamSequence } from '#events/domain-events';

/**
 * The event publisher: the second and last reader of the cases table's stream (the eligibility
 * engine is the first). It turns each change of a case or a payment into domain events and puts
 * them on the stage's bus, where rules route them to the consumers' queues. Entries the bus
 * refused are put again, alone, a few times; a record whose events could not all be put is a batch
 * item failure, so the stream delivers it again: its events have the same ids the second time,
 * and the consumers recognise those already handled.
 */
export interface PublisherDependencies {
  bus: Pick<EventBus, 'put'>;
}

const putAttempts = 3;

const eventsOf = (record: DynamoDBRecord): DomainEvent[] => {
  const change = tableChangeOf(record);
  if (change === undefined) return [];
  const events = change.of === 'case' ? caseEventsOf(change.before, change.after) : paymentEventsOf(change.before, change.after);
  // Stamped with the record's place in the stream, for consumers that need the order of a case's changes.
  const sequence = streamSequence.safeParse(record.dynamodb?.SequenceNumber);
  return sequence.success
    ? events.map((event) => ({ ...event, detail: { ...event.detail, sequence: sequence.data } }) as DomainEvent)
    : events;
};

const publishRecord = (dependencies: PublisherDependencies) => async (record: DynamoDBRecord) => {
  const events = eventsOf(record);
  if (events.length === 0) return;
  let pending = events;
  let errorCodes: string[] = [];
  await optimistically(
    async () => {
      const outcome = await dependencies.bus.put(pending);
      if (outcome.failed.length === 0) return;
      ({ failed: pending, errorCodes } = outcome);
      return lostRace;
    },
    {
      attempts: putAttempts,
      backOff: fullJitter,
      exhausted: () =>
        new Error(
          `stream record ${record.dynamodb?.SequenceNumber ?? '?'}: ${pending.length} of ${events.length} events not taken by the bus (${[...new Set(errorCodes)].join(', ')})`
        ),
    }
  );
  logger.info('events published', { events: events.map((event) => ({ type: event.type, eventId: event.detail.eventId })) });
  // Counted once the bus took them: a record delivered again (after a failure of a later record)
  // counts again, an overcount the dashboard accepts rather than a second table of what was counted.
  recordFigures(events.flatMap(figuresOf));
};

export const createPublisherHandler = (dependencies: PublisherDependencies) => {
  const recordHandler = publishRecord(dependencies);
  return streamConsumer(() => recordHandler);
};

export const handler = createPublisherHandler({ bus: new EventBus(eventBridgeClient, requiredEnv('EVENT_BUS_NAME')) });
