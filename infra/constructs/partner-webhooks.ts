import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RouteHandler } from '../../events/routes.ts';
import { subscribableTypes } from '../../events/webhooks.ts';
import { cursorSecretName } from '../../functions/adapters/cursor.ts';
import { stageSecretPk } from '../../functions/adapters/stage-secret.ts';
import { type StageConfig, webhookSettingsOf } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';
import type { PersonalDataKey } from './personal-data-key.ts';
import { QueueWithDeadLetter } from './queue-with-dead-letter.ts';

export interface PartnerWebhooksProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  readonly events: EventBackbone;
  readonly personalDataKey: PersonalDataKey;
  /** Where the email telling a partner its endpoint was disabled goes (the mailer sends it). */
  readonly notificationsQueue: Queue;
}

type WebhookRouteHandler = Extract<
  RouteHandler,
  | 'register-webhook'
  | 'list-webhooks'
  | 'get-webhook'
  | 'delete-webhook'
  | 'rotate-webhook-secret'
  | 'ping-webhook'
  | 'list-webhook-deliveries'
  | 'redeliver-webhook'
>;

/** A batch's attempts run at once (10 s each at most): room for one and the table and queue calls around it. */
const workerTimeout = Duration.seconds(60);
const fanOutTimeout = Duration.seconds(30);

/**
 * Partner webhooks (README "Webhooks for integrators"): the routes, one more consumer of the domain
 * events (the fan-out: an event to a delivery per endpoint that may receive it) and the delivery
 * queue with its worker (one message per attempt; later attempts are delayed messages, chained past
 * SQS's 15-minute limit, so no schedule sweeps the table). The stage's settings (infra/config.ts
 * `webhooks`) reach the functions as WEBHOOK_SETTINGS.
 */
export class PartnerWebhooks extends Construct {
  readonly routeFunctions: Record<WebhookRouteHandler, HouseFunction>;
  readonly fanOut: HouseFunction;
  readonly worker: HouseFunction;
  readonly deliveries: QueueWithDeadLetter;

  constructor(scope: Construct, id: string, props: PartnerWebhooksProps) {
    super(scope, id);
    const { config, alarmTopic, tables, personalDataKey } = props;
    const settings = JSON.stringify(webhookSettingsOf(config));
    const webhooksTable = { WEBHOOKS_TABLE_NAME: tables.webhooks.tableName };

    this.deliveries = new QueueWithDeadLetter(this, 'Deliveries', {
      description: 'Webhook delivery attempts',
      consumerTimeout: workerTimeout,
      alarmTopic,
    });
    const queueUrl = { WEBHOOK_DELIVERIES_QUEUE_URL: this.deliveries.queue.queueUrl };

    const fn = (fnId: string, entry: string, description: string, environment: Record<string, string>, timeout?: Duration) =>
      new HouseFunction(this, fnId, { config, alarmTopic, entry, description, environment, ...(timeout ? { timeout } : {}) });

    this.routeFunctions = {
      // Its probe of the URL may take the attempt timeout (10 s at most), well within the API's 30 s.
      'register-webhook': fn(
        'Register',
        'register-webhook.ts',
        'POST /v1/webhooks',
        { ...webhooksTable, WEBHOOK_SETTINGS: settings },
        Duration.seconds(20)
      ),
      'list-webhooks': fn('List', 'list-webhooks.ts', 'GET /v1/webhooks', webhooksTable),
      'get-webhook': fn('Get', 'get-webhook.ts', 'GET /v1/webhooks/{id}', webhooksTable),
      'delete-webhook': fn('Delete', 'delete-webhook.ts', 'DELETE /v1/webhooks/{id}', webhooksTable),
      'rotate-webhook-secret': fn('RotateSecret', 'rotate-webhook-secret.ts', 'POST /v1/webhooks/{id}/rotate-secret', {
        ...webhooksTable,
        WEBHOOK_SETTINGS: settings,
      }),
      'ping-webhook': fn('Ping', 'ping-webhook.ts', 'POST /v1/webhooks/{id}/ping', { ...webhooksTable, ...queueUrl }),
      'list-webhook-deliveries': fn('ListDeliveries', 'list-webhook-deliveries.ts', 'GET /v1/webhooks/{id}/deliveries', webhooksTable),
      'redeliver-webhook': fn('Redeliver', 'redeliver-webhook.ts', 'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', {
        ...webhooksTable,
        ...queueUrl,
      }),
    };
    for (const route of Object.values(this.routeFunctions)) tables.grantReadWrite(tables.webhooks, route);
    personalDataKey.grantTo(this.routeFunctions['register-webhook'], 'write');
    personalDataKey.grantTo(this.routeFunctions['rotate-webhook-secret'], 'write');
    this.deliveries.queue.grantSendMessages(this.routeFunctions['ping-webhook']);
    this.deliveries.queue.grantSendMessages(this.routeFunctions['redeliver-webhook']);
    // Delivery pages' cursors are sealed with a stage secret kept in the webhooks table.
    tables.grantPutInto(tables.webhooks, this.routeFunctions['list-webhook-deliveries'], stageSecretPk(cursorSecretName));

    this.fanOut = fn(
      'FanOut',
      'webhook-fanout.ts',
      'Domain events to webhook deliveries',
      {
        ...webhooksTable,
        ...queueUrl,
        PARTNERS_TABLE_NAME: tables.partners.tableName,
        CASES_TABLE_NAME: tables.cases.tableName,
        WEBHOOK_SETTINGS: settings,
      },
      fanOutTimeout
    );
    tables.grantReadWrite(tables.webhooks, this.fanOut, { indexes: ['activeEndpoints'] });
    tables.grantRead(tables.partners, this.fanOut);
    tables.grantRead(tables.cases, this.fanOut);
    this.deliveries.queue.grantSendMessages(this.fanOut);
    props.events.addConsumer(this, 'WebhookFeed', {
      consumer: this.fanOut,
      timeout: fanOutTimeout,
      description: 'Webhook fan-out',
      types: subscribableTypes,
    });

    this.worker = fn(
      'Worker',
      'deliver-webhook.ts',
      'Webhook delivery attempts (HTTP POST, signed)',
      { ...webhooksTable, ...queueUrl, NOTIFICATIONS_QUEUE_URL: props.notificationsQueue.queueUrl, WEBHOOK_SETTINGS: settings },
      workerTimeout
    );
    tables.grantReadWrite(tables.webhooks, this.worker);
    personalDataKey.grantTo(this.worker, 'read');
    this.deliveries.queue.grantSendMessages(this.worker);
    props.notificationsQueue.grantSendMessages(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.deliveries.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true })
    );
  }
}
