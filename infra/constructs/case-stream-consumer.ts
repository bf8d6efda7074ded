import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HouseFunction } from './house-function.ts';
import { deadLetterAlarm, iteratorAgeAlarm } from './operational-alarms.ts';

/**
 * DynamoDB Streams serves at most two readers per shard; a third is throttled, and every reader
 * falls behind. The eligibility engine and the event publisher are the two; anything else reacts
 * to domain events (infra/constructs/event-backbone.ts).
 */
export const maxStreamReaders = 2;
const readersOf = new WeakMap<Table, number>();

export class TooManyStreamReadersError extends Error {
  override name = 'TooManyStreamReadersError';
}

export interface CaseStreamConsumerProps {
  readonly table: Table;
  readonly consumer: HouseFunction;
  /** Filter criteria patterns (`FilterCriteria.filter(...)`): the consumer is invoked only for these changes. */
  readonly filters: Array<Record<string, unknown>>;
  readonly alarmTopic: ITopic;
  readonly description: string;
  readonly batchSize?: number;
}

/**
 * Wires a function to the cases table's stream the way every consumer here must be wired: only the
 * records its filters select, partial batch failures reported per record, a failing batch split in
 * two until the poison record is alone, bounded retries, and records that still fail sent to an
 * on-failure queue that raises an alarm. Lambda redelivers after a partial failure, so consumers
 * must be idempotent.
 */
export class CaseStreamConsumer extends Construct {
  readonly onFailureQueue: Queue;
  readonly onFailureAlarm: Alarm;
  readonly iteratorAgeAlarm: Alarm;

  constructor(scope: Construct, id: string, props: CaseStreamConsumerProps) {
    super(scope, id);
    const readers = (readersOf.get(props.table) ?? 0) + 1;
    if (readers > maxStreamReaders) {
      throw new TooManyStreamReadersError(
        `${this.node.path}: a stream serves at most ${maxStreamReaders} readers; subscribe to domain events instead (infra/constructs/event-backbone.ts)`
      );
    }
    readersOf.set(props.table, readers);
    this.onFailureQueue = new Queue(this, 'OnFailure', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.onFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the on-failure destination of a stream mapping: it is itself the dead-letter queue.',
    });
    Validations.of(this.onFailureQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is the on-failure destination of a stream mapping: it is itself the dead-letter queue.',
    });

    props.consumer.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 25,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.onFailureQueue),
        filters: props.filters,
      })
    );
    if (props.consumer.role !== undefined) {
      Validations.of(props.consumer.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'dynamodb:ListStreams has no resource-level permissions; reading records is scoped to the table stream.',
      });
    }

    this.onFailureAlarm = deadLetterAlarm(
      this,
      'OnFailureAlarm',
      this.onFailureQueue,
      props.alarmTopic,
      `${props.description}: stream records failed every retry`
    );
    this.iteratorAgeAlarm = iteratorAgeAlarm(props.consumer, props.alarmTopic, props.description);
  }
}
