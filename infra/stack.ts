import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { StageConfig } from './config.ts';
import { DataTables } from './constructs/data-tables.ts';
import { HouseFunction } from './constructs/house-function.ts';
import { PartnerApi } from './constructs/partner-api.ts';
import { QueueWithDeadLetter } from './constructs/queue-with-dead-letter.ts';
import { StakeholderNotifications } from './constructs/stakeholder-notifications.ts';

export interface ReferralStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Timeout of the functions that will consume the queues; the queues' visibility follows it. */
const consumerTimeout = Duration.seconds(30);

export class ReferralStack extends Stack {
  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);
    const { config } = props;

    const alarmTopicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts alarm notifications',
      enableKeyRotation: true,
    });
    // CloudWatch publishes to the encrypted topic, so its service needs the key.
    alarmTopicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `TRM ${config.stage} alarms`,
      enforceSSL: true,
      masterKey: alarmTopicKey,
    });
    alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    const tables = new DataTables(this, 'Data', { config });

    const notifications = new QueueWithDeadLetter(this, 'Notifications', {
      description: 'Stakeholder notifications',
      consumerTimeout,
      alarmTopic,
    });
    new QueueWithDeadLetter(this, 'Payments', {
      description: 'Reintegration payment requests',
      fifo: true,
      consumerTimeout,
      alarmTopic,
    });

    const functionDefaults = { config, alarmTopic };
    const authorizer = new HouseFunction(this, 'Authorizer', {
      ...functionDefaults,
      entry: 'authorizer.ts',
      description: 'Partner key authorizer',
      environment: { PARTNERS_TABLE_NAME: tables.partners.tableName },
    });
    tables.grantRead(tables.partners, authorizer, { indexes: ['byKeyHash'] });

    const api = new PartnerApi(this, 'Api', { config, authorizerFunction: authorizer });

    const createReferral = new HouseFunction(this, 'CreateReferral', {
      ...functionDefaults,
      entry: 'create-referral.ts',
      description: 'POST /v1/referrals',
      environment: {
        CASES_TABLE_NAME: tables.cases.tableName,
        IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName,
      },
    });
    tables.grantReadWrite(tables.cases, createReferral);
    tables.grantReadWrite(tables.idempotency, createReferral);
    api.addRoute(HttpMethod.POST, '/v1/referrals', createReferral);

    const getReferral = new HouseFunction(this, 'GetReferral', {
      ...functionDefaults,
      entry: 'get-referral.ts',
      description: 'GET /v1/referrals/{id}',
      environment: { CASES_TABLE_NAME: tables.cases.tableName },
    });
    tables.grantRead(tables.cases, getReferral);
    api.addRoute(HttpMethod.GET, '/v1/referrals/{id}', getReferral);

    new StakeholderNotifications(this, 'StakeholderNotifications', {
      ...functionDefaults,
      tables,
      queue: notifications.queue,
      mailerTimeout: consumerTimeout,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url });
  }
}
