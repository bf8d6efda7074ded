import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';
import { MailIdentity } from './mail-identity.ts';

export interface StakeholderNotificationsProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  /** The notifications queue (with its dead-letter queue and alarm). */
  readonly queue: Queue;
  /** The timeout the queue's visibility timeout was sized for (six times over). */
  readonly mailerTimeout: Duration;
  readonly events: EventBackbone;
}

/**
 * Case status changes to emails: the case-events consumer takes the cases' domain events from its
 * queue and queues one message per (event, recipient); the mailer sends each through SES once,
 * through the stage's configuration set, whose bounces and complaints mark partner mailboxes
 * failing (infra/constructs/mail-identity.ts). Failures end in the case-events dead-letter queue
 * or the notifications one, both with alarms.
 */
const caseEventsTimeout = Duration.seconds(30);

const rendered = (value: string, pseudoParameter: string): string => (Token.isUnresolved(value) ? `<${pseudoParameter}>` : value);

export class StakeholderNotifications extends Construct {
  readonly caseEvents: HouseFunction;
  readonly mailer: HouseFunction;
  readonly mail: MailIdentity;

  constructor(scope: Construct, id: string, props: StakeholderNotificationsProps) {
    super(scope, id);
    const { config, alarmTopic, tables, queue } = props;

    this.caseEvents = new HouseFunction(this, 'CaseEvents', {
      config,
      alarmTopic,
      entry: 'case-events.ts',
      description: 'Case status changes to notification messages',
      timeout: caseEventsTimeout,
      environment: {
        PARTNERS_TABLE_NAME: tables.partners.tableName,
        NOTIFICATIONS_QUEUE_URL: queue.queueUrl,
      },
    });
    tables.grantRead(tables.partners, this.caseEvents);
    // Finding the coordinators scans the (small) partners table.
    this.caseEvents.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tables.partners.tableArn] }));
    queue.grantSendMessages(this.caseEvents);
    props.events.addConsumer(this, 'CaseEventsFeed', {
      consumer: this.caseEvents,
      timeout: caseEventsTimeout,
      description: 'Case-events consumer',
      types: ['referral.status_changed', 'referral.offered'],
    });

    this.mail = new MailIdentity(this, 'Mail', { config, alarmTopic, tables, notificationsQueue: queue });

    this.mailer = new HouseFunction(this, 'Mailer', {
      config,
      alarmTopic,
      entry: 'mailer.ts',
      description: 'Notification emails through SES',
      timeout: props.mailerTimeout,
      environment: {
        PARTNERS_TABLE_NAME: tables.partners.tableName,
        IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName,
        SENDER_ADDRESS: config.senderAddress,
        FINANCE_ADDRESS: config.financeAddress,
        CASE_BASE_URL: config.caseBaseUrl,
        MAIL_CONFIGURATION_SET: this.mail.configurationSetName,
      },
    });
    tables.grantRead(tables.partners, this.mailer);
    tables.grantReadWrite(tables.idempotency, this.mailer);
    const { region, account } = Stack.of(this);
    this.mailer.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:aws:ses:${region}:${account}:identity/*`, this.mail.configurationSetArn],
        conditions: { StringEquals: { 'ses:FromAddress': config.senderAddress } },
      })
    );
    if (this.mailer.role !== undefined) {
      Validations.of(this.mailer.role).acknowledge({
        // cdk-nag names the finding by the resource as rendered: pseudo parameters, or the stage's pinned account and region.
        id: `AwsSolutions-IAM5[Resource::arn:aws:ses:${rendered(region, 'AWS::Region')}:${rendered(account, 'AWS::AccountId')}:identity/*]`,
        reason:
          'SES authorises the sender identity (an address or its domain) and, in the sandbox, each recipient identity; the condition pins the From address.',
      });
    }
    this.mailer.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Keeps the sending rate within SES's quota; the rest waits in the queue.
        maxConcurrency: 5,
      })
    );
  }
}
