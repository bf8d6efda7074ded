import { Duration } from 'aws-cdk-lib';
import { type Archive, EventBus, type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type DomainEventType, domainEventTypes, eventSources } from '../../events/domain-events.ts';
import { publishedChangeFilters } from '../../functions/adapters/table-changes.ts';
import type { StageConfig } from '../config.ts';
import { CaseStreamConsumer } from './case-stream-consumer.ts';
import type { DataTables } from './data-tables.ts';
import { HouseFunction } from './house-function.ts';
import { QueueWithDeadLetter } from './queue-with-dead-letter.ts';

export interface EventBackboneProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
}

export interface EventConsumerProps {
  /** The function that handles the events (functions/commons/event-consumer.ts). */
  readonly consumer: HouseFunction;
  /** Its timeout: the queue's visibility timeout is six times it. */
  readonly timeout: Duration;
  readonly description: string;
  /** The event types the rule routes to the consumer. */
  readonly types: readonly DomainEventType[];
  /** Conditions on the events' detail, in the event pattern language (e.g. `{ status: ['eligible'] }`). */
  readonly detail?: Record<string, unknown>;
}

/**
 * A consumer of events an AWS service puts on a bus (S3's `Object Created` goes to the account's
 * default bus): the bus and the pattern are given, the queue, dead-letter queue and alarm are the same.
 */
export interface ServiceEventConsumerProps extends Omit<EventConsumerProps, 'types' | 'detail'> {
  /** Undefined for the account's default bus, where AWS services put their events. */
  readonly bus: IEventBus | undefined;
  readonly eventPattern: EventPattern;
  /** What the rule routes, for its description. */
  readonly routes: string;
}

/**
 * The domain events of a stage: the publisher, the second and last reader of the cases table's
 * stream, puts them on the bus `trm-<stage>`; the archive keeps them (retention per stage,
 * `eventArchiveDays`) so a consumer that was broken can be replayed; and each consumer is a rule
 * routing the events it takes to its own queue (dead-letter queue and alarm) that feeds its
 * function with partial batch failures. Consumers handle each event once (idempotency on the event
 * id), since the publisher and the queues may deliver an event more than once.
 */
export class EventBackbone extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly publisher: HouseFunction;
  readonly publisherStream: CaseStreamConsumer;
  private readonly props: EventBackboneProps;

  constructor(scope: Construct, id: string, props: EventBackboneProps) {
    super(scope, id);
    this.props = props;
    const { config, alarmTopic, tables } = props;
    this.bus = new EventBus(this, 'Bus', { eventBusName: `trm-${config.stage}` });
    this.archive = this.bus.archive('Archive', {
      archiveName: `trm-${config.stage}-events`,
      description: `Domain events of trm-${config.stage}, kept for replays`,
      eventPattern: { source: Object.values(eventSources) },
      retention: Duration.days(config.eventArchiveDays),
    });

    this.publisher = new HouseFunction(this, 'Publisher', {
      config,
      alarmTopic,
      entry: 'publish-events.ts',
      description: 'Publishes domain events from the cases table stream to the bus',
      timeout: Duration.seconds(30),
      environment: { EVENT_BUS_NAME: this.bus.eventBusName },
    });
    this.bus.grantPutEventsTo(this.publisher);
    // Reading the stream needs no access to the table's items, nor to the key of personal data:
    // the images' person blocks are ciphertext the publisher never reads.
    this.publisherStream = new CaseStreamConsumer(this, 'PublisherStream', {
      table: tables.cases,
      consumer: this.publisher,
      alarmTopic,
      description: 'Domain event publisher',
      batchSize: 100,
      filters: publishedChangeFilters.map((pattern) => FilterCriteria.filter(pattern)),
    });
  }

  /**
   * Routes the events a consumer takes to its own queue: a rule on the bus with an event pattern,
   * the queue with its dead-letter queue and alarm, and the queue feeding the function with
   * partial batch failures. The function is given the idempotency table it records events in.
   */
  addConsumer(scope: Construct, id: string, props: EventConsumerProps | ServiceEventConsumerProps): QueueWithDeadLetter {
    const { tables, alarmTopic } = this.props;
    const service = 'eventPattern' in props;
    const queue = new QueueWithDeadLetter(scope, id, {
      consumerTimeout: props.timeout,
      alarmTopic,
      description: `${props.description} (${service ? 'service events' : 'domain events'})`,
    });
    new Rule(scope, `${id}Rule`, {
      eventBus: service ? props.bus : this.bus,
      description: `${service ? props.routes : props.types.join(', ')} to ${props.description}`,
      eventPattern: service
        ? props.eventPattern
        : {
            source: [...new Set(props.types.map((type) => domainEventTypes[type].source))],
            detailType: [...props.types],
            ...(props.detail === undefined ? {} : { detail: props.detail }),
          },
      // An event the bus cannot deliver to the queue lands in the queue's dead-letter queue, which alarms
      // and is redriven into the queue like any other dead letter.
      targets: [new SqsQueue(queue.queue, { deadLetterQueue: queue.deadLetterQueue })],
    });
    props.consumer.addEnvironment('IDEMPOTENCY_TABLE_NAME', tables.idempotency.tableName);
    tables.grantReadWrite(tables.idempotency, props.consumer);
    props.consumer.addEventSource(
      new SqsEventSource(queue.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true })
    );
    return queue;
  }
}
