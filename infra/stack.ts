import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { apiRoutes, type RouteHandler, routeKeyOf, unmatchedRoute } from '../events/routes.ts';
import { cursorSecretName } from '../functions/adapters/cursor.ts';
import { stageSecretPk } from '../functions/adapters/stage-secret.ts';
import type { StageConfig } from './config.ts';
import { acknowledgeNoBackupPlan, TableBackups } from './constructs/backups.ts';
import { CaseDocuments } from './constructs/case-documents.ts';
import { CaseLifecycle } from './constructs/case-lifecycle.ts';
import { DataTables } from './constructs/data-tables.ts';
import { EligibilityEngine } from './constructs/eligibility-engine.ts';
import { EventBackbone } from './constructs/event-backbone.ts';
import { HouseFunction } from './constructs/house-function.ts';
import { StageAlarms } from './constructs/operational-alarms.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { PartnerApi } from './constructs/partner-api.ts';
import { PartnerWebhooks } from './constructs/partner-webhooks.ts';
import { PaymentProcessing } from './constructs/payment-processing.ts';
import { PersonalData } from './constructs/personal-data.ts';
import { PersonalDataKey } from './constructs/personal-data-key.ts';
import { QueueWithDeadLetter } from './constructs/queue-with-dead-letter.ts';
import { StakeholderNotifications } from './constructs/stakeholder-notifications.ts';
import { loadStageProgrammes } from './programmes.ts';

export interface ReferralStackProps extends StackProps {
  readonly config: StageConfig;
}

const routeDescription = (handler: RouteHandler): string =>
  apiRoutes
    .filter((route) => route.handler === handler)
    .map(routeKeyOf)
    .join(', ');

/** Timeout of the functions that will consume the queues; the queues' visibility follows it. */
const consumerTimeout = Duration.seconds(30);

export class ReferralStack extends Stack {
  /** Functions that read or write personal data are granted its use here (`grantTo`). */
  readonly personalDataKey: PersonalDataKey;

  constructor(scope: Construct, id: string, props: ReferralStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Before anything else: an invalid programme definition or window stops synthesis here.
    const programmes = loadStageProgrammes(config);

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
    const alarmMailbox = new EmailSubscription(config.alarmEmail);
    alarmTopic.addSubscription(alarmMailbox);
    Validations.of(alarmTopic).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        "The one subscription is the ops mailbox: SNS retries an email delivery itself, and a missed notification stays in the alarm's state and history in CloudWatch; a dead-letter queue for it would alarm on this very topic.",
    });

    const tables = new DataTables(this, 'Data', { config });
    // The idempotency records expire within hours (Powertools' TTL): nothing there to restore.
    const recordTables = [tables.cases, tables.partners, tables.accessLog, tables.webhooks];
    acknowledgeNoBackupPlan([tables.idempotency], 'Powertools idempotency records, each expiring within hours: nothing to restore.');
    if (config.backup === undefined) {
      acknowledgeNoBackupPlan(
        recordTables,
        `The ${config.stage} stage has no backup plan (stage setting \`backup\`): test data, with point-in-time recovery.`
      );
    } else {
      new TableBackups(this, 'Backups', { settings: config.backup, tables: recordTables });
    }
    this.personalDataKey = new PersonalDataKey(this, 'PersonalDataKey', { config });
    const events = new EventBackbone(this, 'Events', { config, alarmTopic, tables });

    const notifications = new QueueWithDeadLetter(this, 'Notifications', {
      description: 'Stakeholder notifications',
      consumerTimeout,
      alarmTopic,
    });
    const paymentRequests = new QueueWithDeadLetter(this, 'Payments', {
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
    tables.grantRead(tables.partners, authorizer, { indexes: ['byKeyHash', 'byPreviousKeyHash'] });

    const api = new PartnerApi(this, 'Api', { config, authorizerFunction: authorizer });
    new StageAlarms(this, 'Alarms', { topic: alarmTopic, httpApi: api.httpApi });

    const routeFunction = (id: string, handler: RouteHandler, environment: Record<string, string> = {}) =>
      new HouseFunction(this, id, {
        ...functionDefaults,
        entry: `${handler}.ts`,
        description: routeDescription(handler),
        environment,
      });

    const casesTable = { CASES_TABLE_NAME: tables.cases.tableName };
    const createReferral = routeFunction('CreateReferral', 'create-referral', {
      ...casesTable,
      IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName,
    });
    tables.grantReadWrite(tables.cases, createReferral);
    tables.grantReadWrite(tables.idempotency, createReferral);
    // Who may seal and open personal data, function by function (functions/adapters/personal-fields.ts).
    const personalData = this.personalDataKey;
    personalData.grantTo(createReferral, 'write');

    // The functions that disclose personal data record each disclosure first (functions/commons/disclosure.ts).
    const accessLogTable = { ACCESS_LOG_TABLE_NAME: tables.accessLog.tableName };
    const getReferral = routeFunction('GetReferral', 'get-referral', { ...casesTable, ...accessLogTable });
    tables.grantRead(tables.cases, getReferral);
    tables.grantAppend(tables.accessLog, getReferral);
    personalData.grantTo(getReferral, 'read');

    const listReferrals = routeFunction('ListReferrals', 'list-referrals', casesTable);
    tables.grantRead(tables.cases, listReferrals, { indexes: ['byReferrer', 'byReceiver', 'byStatus', 'allCases'] });
    // Cursors are sealed with a stage secret the first listing function to page creates (functions/adapters/cursor.ts).
    tables.grantPutInto(tables.cases, listReferrals, stageSecretPk(cursorSecretName));

    const withdrawReferral = routeFunction('WithdrawReferral', 'withdraw-referral', casesTable);
    tables.grantReadWrite(tables.cases, withdrawReferral);
    personalData.grantTo(withdrawReferral, 'write');

    const programmeEnvironment = {
      CASES_TABLE_NAME: tables.cases.tableName,
      PROGRAMME_WINDOWS: JSON.stringify(programmes.windows),
    };
    new EligibilityEngine(this, 'Eligibility', { ...functionDefaults, tables, environment: programmeEnvironment, events });

    const decideReferral = routeFunction('DecideReferral', 'decide-referral', programmeEnvironment);
    tables.grantReadWrite(tables.cases, decideReferral);
    personalData.grantTo(decideReferral, 'read-write');

    const programmeFigures = routeFunction('ProgrammeFigures', 'programme-figures', programmeEnvironment);
    tables.grantRead(tables.cases, programmeFigures, { indexes: ['byProgramme'] });

    const lifecycle = new CaseLifecycle(this, 'Lifecycle', {
      ...functionDefaults,
      tables,
      notificationsQueue: notifications.queue,
      personalDataKey: personalData,
      events,
    });

    const requestPayment = routeFunction('RequestPayment', 'request-payment', {
      ...casesTable,
      IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName,
      PAYMENTS_QUEUE_URL: paymentRequests.queue.queueUrl,
    });
    tables.grantReadWrite(tables.cases, requestPayment);
    tables.grantReadWrite(tables.idempotency, requestPayment);
    paymentRequests.queue.grantSendMessages(requestPayment);
    personalData.grantTo(requestPayment, 'read-write');

    const paymentReaders = {
      'get-payment': routeFunction('GetPayment', 'get-payment', { ...casesTable, ...accessLogTable }),
      'list-payments': routeFunction('ListPayments', 'list-payments', { ...casesTable, ...accessLogTable }),
    };
    for (const reader of Object.values(paymentReaders)) {
      tables.grantRead(tables.cases, reader);
      tables.grantAppend(tables.accessLog, reader);
      personalData.grantTo(reader, 'read');
    }
    tables.grantPutInto(tables.cases, paymentReaders['list-payments'], stageSecretPk(cursorSecretName));

    const exportPayments = routeFunction('ExportPayments', 'export-payments', casesTable);
    tables.grantRead(tables.cases, exportPayments, { indexes: ['finance'] });

    const paymentSteps = {
      'approve-payment': routeFunction('ApprovePayment', 'approve-payment', casesTable),
      'reject-payment': routeFunction('RejectPayment', 'reject-payment', casesTable),
      'cancel-payment': routeFunction('CancelPayment', 'cancel-payment', casesTable),
      'record-disbursement': routeFunction('RecordDisbursement', 'record-disbursement', casesTable),
      // A read that writes: each disclosure of the payee's bank details is recorded on the payment.
      'get-transfer-instructions': routeFunction('GetTransferInstructions', 'get-transfer-instructions', {
        ...casesTable,
        ...accessLogTable,
      }),
    };
    for (const step of Object.values(paymentSteps)) tables.grantReadWrite(tables.cases, step);
    tables.grantAppend(tables.accessLog, paymentSteps['get-transfer-instructions']);

    // A step's note is sealed, and each answers with the payment as the caller may see it (the payee).
    for (const step of ['approve-payment', 'reject-payment', 'cancel-payment'] as const) {
      personalData.grantTo(paymentSteps[step], 'read-write');
    }
    personalData.grantTo(paymentSteps['record-disbursement'], 'read');
    personalData.grantTo(paymentSteps['get-transfer-instructions'], 'read');

    const erasure = new PersonalData(this, 'PersonalData', { config, alarmTopic, tables });
    // The eraser's note is sealed like every note.
    personalData.grantTo(erasure.routeFunctions['erase-referral'], 'write');

    // A case's documents; erasing the case deletes every version of each.
    const documents = new CaseDocuments(this, 'Documents', { config, alarmTopic, tables, personalDataKey: personalData, events });
    documents.grantDeletion(erasure.routeFunctions['erase-referral']);
    documents.grantDeletion(erasure.retention);

    new PaymentProcessing(this, 'PaymentProcessing', {
      config,
      alarmTopic,
      tables,
      paymentsQueue: paymentRequests.queue,
      notificationsQueue: notifications.queue,
      consumerTimeout,
      events,
    });

    const webhooks = new PartnerWebhooks(this, 'Webhooks', {
      ...functionDefaults,
      tables,
      events,
      personalDataKey: personalData,
      notificationsQueue: notifications.queue,
    });

    const routeFunctions: Record<RouteHandler, HouseFunction> = {
      ...lifecycle.routeFunctions,
      ...webhooks.routeFunctions,
      ...erasure.routeFunctions,
      ...documents.routeFunctions,
      'create-referral': createReferral,
      'get-referral': getReferral,
      'list-referrals': listReferrals,
      'withdraw-referral': withdrawReferral,
      'decide-referral': decideReferral,
      'programme-figures': programmeFigures,
      'request-payment': requestPayment,
      'export-payments': exportPayments,
      ...paymentReaders,
      ...paymentSteps,
      health: routeFunction('Health', 'health'),
      openapi: routeFunction('OpenApi', 'openapi'),
    };
    for (const route of apiRoutes) {
      api.addRoute(HttpMethod[route.method], route.path, routeFunctions[route.handler], {
        public: route.permission === 'public',
      });
    }
    api.addUnmatchedRoute(
      new HouseFunction(this, 'UnmatchedRoute', {
        ...functionDefaults,
        entry: `${unmatchedRoute.handler}.ts`,
        description: unmatchedRoute.summary,
      })
    );

    new StakeholderNotifications(this, 'StakeholderNotifications', {
      ...functionDefaults,
      tables,
      queue: notifications.queue,
      mailerTimeout: consumerTimeout,
      events,
    });

    // Last: the dashboard shows every function and queue made above.
    new OperationsDashboard(this, 'Dashboard', { config, httpApi: api.httpApi });

    new CfnOutput(this, 'ApiUrl', { value: api.url });
    // The partner command finds the table of a deployed stage through this output.
    new CfnOutput(this, 'PartnersTableName', { value: tables.partners.tableName });
  }
}
