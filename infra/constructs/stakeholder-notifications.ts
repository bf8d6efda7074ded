import { type Duration, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { CaseStreamConsumer } from './case-stream-consumer.ts';
import type { DataTables } from './data-tables.ts';
import { HouseFunction } from './house-function.ts';

export interface StakeholderNotificationsProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  /** The notifications queue (with its dead-letter queue and alarm). */
  readonly queue: Queue;
  /** The timeout the queue's visibility timeout was sized for (six times over). */
  readonly mailerTimeout: Duration;
}

/**
 * Case status changes to emails: the case-events consumer reads the cases stream and queues one
 * message per (event, recipient); the mailer sends each through SES once. Failures end in the
 * stream consumer's on-failure queue or the notifications dead-letter queue, both with alarms.
 */
export class StakeholderNotifications extends Construct {
  readonly caseEvents: HouseFunction;
  readonly mailer: HouseFunction;

  constructor(scope: Construct, id: string, props: StakeholderNotificationsProps) {
    super(scope, id);
    const { config, alarmTopic, tables, queue } = props;

    this.caseEvents = new HouseFunction(this, 'CaseEvents', {
      config,
      alarmTopic,
      entry: 'case-events.ts',
      description: 'Case status changes to notification messages',
      environment: {
        PARTNERS_TABLE_NAME: tables.partners.tableName,
        NOTIFICATIONS_QUEUE_URL: queue.queueUrl,
      },
    });
    tables.grantRead(tables.partners, this.caseEvents);
    // Finding the coordinators scans the (small) partners table.
    this.caseEvents.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tables.partners.tableArn] }));
    queue.grantSendMessages(this.caseEvents);
    new CaseStreamConsumer(this, 'CaseEventsStream', {
      table: tables.cases,
      consumer: this.caseEvents,
      alarmTopic,
      description: 'Case-events consumer',
      // Case items only, created or changed; whether the status changed is checked in code,
      // as a filter cannot compare the old image with the new.
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: { Keys: { sk: { S: FilterRule.isEqual('CASE') } } },
        }),
      ],
    });

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
      },
    });
    tables.grantRead(tables.partners, this.mailer);
    tables.grantReadWrite(tables.idempotency, this.mailer);
    const { region, account } = Stack.of(this);
    this.mailer.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [`arn:aws:ses:${region}:${account}:identity/*`],
        conditions: { StringEquals: { 'ses:FromAddress': config.senderAddress } },
      })
    );
    if (this.mailer.role !== undefined) {
      Validations.of(this.mailer.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:aws:ses:<AWS::Region>:<AWS::AccountId>:identity/*]`,
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
