import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { type Alarm, MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { sesFeedbackDetailTypes } from '../../events/ses-feedback.ts';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import { HouseFunction, metricsNamespace, serviceNameOf } from './house-function.ts';
import { opsAlarm, runbookAnchors } from './operational-alarms.ts';
import { QueueWithDeadLetter } from './queue-with-dead-letter.ts';

export interface MailIdentityProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  /** The notifications queue: the coordinators are told of a failing partner mailbox through it. */
  readonly notificationsQueue: Queue;
}

const feedbackTimeout = Duration.seconds(30);

/**
 * Email that reaches people. The stage's domain identity with Easy DKIM (when the stage names a
 * `mailDomain`; its DKIM records are stack outputs to put in DNS), and a configuration set every
 * email is sent through. SES reports each bounce and complaint of that set to the account's
 * default bus (the only bus SES delivers to); a rule takes this stage's to a queue that feeds
 * functions/ses-feedback.ts, which marks the partner mailbox failing so the mailer stops sending
 * to it, tells the coordinators, and counts it: the MailboxesFailing alarm tells ops.
 */
export class MailIdentity extends Construct {
  readonly configurationSet: ConfigurationSet;
  /** The set's name as a plain string (not a reference), so that the event pattern and the mailer's environment read as they are. */
  readonly configurationSetName: string;
  readonly identity?: EmailIdentity;
  readonly feedback: HouseFunction;
  readonly feedbackQueue: QueueWithDeadLetter;
  readonly mailboxesFailingAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MailIdentityProps) {
    super(scope, id);
    const { config, alarmTopic, tables } = props;
    this.configurationSetName = `trm-${config.stage}`;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
      reputationMetrics: true,
      // SES itself stops sending to an address that bounced or complained, even before the consumer marks it.
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('FeedbackToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    if (config.mailDomain !== undefined) {
      this.identity = new EmailIdentity(this, 'Domain', {
        identity: Identity.domain(config.mailDomain),
        configurationSet: this.configurationSet,
        dkimSigning: true,
      });
      this.identity.dkimRecords.forEach((record, index) => {
        new CfnOutput(this, `DkimRecord${index + 1}`, {
          description: `DKIM CNAME ${index + 1} of ${config.mailDomain}: add it to the domain's DNS`,
          value: `${record.name} CNAME ${record.value}`,
        });
      });
    }

    this.feedbackQueue = new QueueWithDeadLetter(this, 'Feedback', {
      description: 'SES bounce and complaint feedback',
      consumerTimeout: feedbackTimeout,
      alarmTopic,
    });
    new Rule(this, 'FeedbackRule', {
      description: `SES bounces and complaints of configuration set trm-${config.stage} to its feedback consumer`,
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...sesFeedbackDetailTypes],
        // The default bus is the account's: other stages' and other applications' feedback is not ours.
        detail: { mail: { tags: { 'ses:configuration-set': [this.configurationSetName] } } },
      },
      // Feedback the bus could not deliver to the queue lands in the queue's dead-letter queue (and its alarm) too.
      targets: [new SqsQueue(this.feedbackQueue.queue, { deadLetterQueue: this.feedbackQueue.deadLetterQueue })],
    });

    const entry = 'ses-feedback.ts';
    this.feedback = new HouseFunction(this, 'Consumer', {
      config,
      alarmTopic,
      entry,
      description: 'Marks partner mailboxes SES reports as bouncing or complaining',
      timeout: feedbackTimeout,
      environment: {
        PARTNERS_TABLE_NAME: tables.partners.tableName,
        NOTIFICATIONS_QUEUE_URL: props.notificationsQueue.queueUrl,
      },
    });
    // Reads every partner (a scan of tens of organisations) and puts the changed one back (partner-repository.ts).
    tables.grantReadPut(tables.partners, this.feedback);
    props.notificationsQueue.grantSendMessages(this.feedback);
    this.feedback.addEventSource(new SqsEventSource(this.feedbackQueue.queue, { batchSize: 10, reportBatchItemFailures: true }));

    const failing = (kind: 'bounce' | 'complaint') =>
      new Metric({
        namespace: metricsNamespace,
        metricName: 'MailboxesFailing',
        dimensionsMap: { service: serviceNameOf(entry), stage: config.stage, kind },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    this.mailboxesFailingAlarm = opsAlarm(this, 'MailboxesFailingAlarm', {
      topic: alarmTopic,
      runbook: runbookAnchors.mailboxesFailing,
      summary: 'A mailbox SES reported as bouncing for good or complaining was marked failing: no more email goes to it',
      metric: new MathExpression({
        expression: 'FILL(bounce, 0) + FILL(complaint, 0)',
        usingMetrics: { bounce: failing('bounce'), complaint: failing('complaint') },
        period: Duration.minutes(5),
        label: 'Mailboxes marked failing',
      }),
      threshold: 1,
    });
  }

  /** The resources `ses:SendEmail` must be allowed on besides the sender identity: the configuration set. */
  get configurationSetArn(): string {
    const { region, account } = Stack.of(this);
    return `arn:aws:ses:${region}:${account}:configuration-set/${this.configurationSetName}`;
  }
}
