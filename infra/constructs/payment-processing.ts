import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';

export interface PaymentProcessingProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  /** The FIFO payment requests queue (its dead-letter queue and alarm come with it). */
  readonly paymentsQueue: Queue;
  readonly notificationsQueue: Queue;
  /** The payments Lambda's timeout; the payments queue's visibility timeout is six times it. */
  readonly consumerTimeout: Duration;
  readonly events: EventBackbone;
}

/**
 * What happens to a payment request behind the API: the payments Lambda reserves it against the
 * budget (fed by the FIFO queue, one case's requests in order), the payment-events consumer turns
 * payment status changes (domain events on its own queue) into notifications for finance and the requester, and a daily schedule
 * sends finance the digest of open payments.
 */
const notifierTimeout = Duration.seconds(30);

export class PaymentProcessing extends Construct {
  readonly processor: HouseFunction;
  readonly notifier: HouseFunction;
  readonly digest: HouseFunction;

  constructor(scope: Construct, id: string, props: PaymentProcessingProps) {
    super(scope, id);
    const { config, alarmTopic, tables } = props;
    const casesTable = { CASES_TABLE_NAME: tables.cases.tableName };
    const notificationsQueueUrl = { NOTIFICATIONS_QUEUE_URL: props.notificationsQueue.queueUrl };

    this.processor = new HouseFunction(this, 'Processor', {
      config,
      alarmTopic,
      entry: 'process-payments.ts',
      description: 'Reserves requested payments against the approved plan budget, or rejects them with a reason code',
      timeout: props.consumerTimeout,
      environment: casesTable,
    });
    tables.grantReadWrite(tables.cases, this.processor);
    // FIFO queues take no batching window; ten is the most a FIFO batch can hold.
    this.processor.addEventSource(new SqsEventSource(props.paymentsQueue, { batchSize: 10, reportBatchItemFailures: true }));

    this.notifier = new HouseFunction(this, 'Notifier', {
      config,
      alarmTopic,
      entry: 'payment-events.ts',
      description: 'Notifies finance and requesters of payment status changes',
      timeout: notifierTimeout,
      environment: notificationsQueueUrl,
    });
    props.notificationsQueue.grantSendMessages(this.notifier);
    props.events.addConsumer(this, 'NotifierSource', {
      consumer: this.notifier,
      timeout: notifierTimeout,
      description: 'Payment notifications',
      types: ['payment.status_changed'],
    });

    this.digest = new HouseFunction(this, 'Digest', {
      config,
      alarmTopic,
      entry: 'payments-digest.ts',
      description: 'Daily digest of open payments to finance',
      environment: { ...casesTable, ...notificationsQueueUrl },
    });
    tables.grantReadWrite(tables.cases, this.digest, { indexes: ['finance'] });
    props.notificationsQueue.grantSendMessages(this.digest);
    const digestSchedule = new Rule(this, 'DailyDigest', {
      description: 'Sends finance the digest of open payments every morning (UTC)',
      schedule: Schedule.cron({ minute: '0', hour: '6' }),
      targets: [new LambdaFunction(this.digest, { retryAttempts: 2 })],
    });
    Validations.of(digestSchedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        "The target is this stack's own function, invoked asynchronously: Lambda retries a failed run twice, the job is idempotent and the next day's run catches up, and the function's error-rate alarm reports the failure.",
    });
  }
}
