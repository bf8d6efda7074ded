import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterAlarm, queueAgeAlarm } from './operational-alarms.ts';

export interface QueueWithDeadLetterProps {
  readonly fifo?: boolean;
  /** The timeout of the function that will consume the queue. */
  readonly consumerTimeout: Duration;
  readonly maxReceiveCount?: number;
  readonly alarmTopic: ITopic;
  readonly description: string;
}

/**
 * A queue whose poison messages end in a dead-letter queue that raises an alarm as soon as
 * anything lands in it, so nothing is lost silently, and whose oldest message raises another
 * when it waits too long (a consumer failing, throttled or too slow).
 */
export class QueueWithDeadLetter extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  readonly oldestMessageAlarm: Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDeadLetterProps) {
    super(scope, id);
    const fifo = props.fifo ?? false;
    const common = { enforceSSL: true, encryption: QueueEncryption.SQS_MANAGED };
    this.deadLetterQueue = new Queue(this, 'DeadLetter', {
      ...common,
      fifo: fifo || undefined,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue: its messages go back to the source queue by redrive (npm run redrive), not to a further queue.',
    });
    this.queue = new Queue(this, 'Queue', {
      ...common,
      fifo: fifo || undefined,
      // AWS recommends six times the consumer's timeout so a retried batch is not redelivered
      // while the first attempt is still running.
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.deadLetterAlarm = deadLetterAlarm(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      props.alarmTopic,
      `${props.description}: a message reached the dead-letter queue`
    );
    this.oldestMessageAlarm = queueAgeAlarm(this, this.queue, props.alarmTopic, props.description);
  }
}
