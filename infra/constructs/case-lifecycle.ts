import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { apiRoutes, type RouteHandler, routeKeyOf } from '../../events/routes.ts';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';
import type { PersonalDataKey } from './personal-data-key.ts';

/** The lifecycle routes that take a note, which they seal (GenerateDataKey only: none shows personal data). */
const routesTakingNotes: ReadonlySet<string> = new Set([
  'accept-referral',
  'decline-referral',
  'reassign-referral',
  'draft-plan',
  'approve-plan',
  'return-plan',
  'record-visit',
  'close-referral',
  'reopen-referral',
]);

/** The routes of the lifecycle after eligibility, each served by its own function. */
export const lifecycleRouteHandlers = [
  'accept-referral',
  'decline-referral',
  'reassign-referral',
  'record-departure',
  'record-arrival',
  'draft-plan',
  'approve-plan',
  'return-plan',
  'record-visit',
  'close-referral',
  'reopen-referral',
] as const satisfies readonly RouteHandler[];
export type LifecycleRouteHandler = (typeof lifecycleRouteHandlers)[number];

export interface CaseLifecycleProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  readonly notificationsQueue: IQueue;
  readonly personalDataKey: PersonalDataKey;
  readonly events: EventBackbone;
}

const pascalCase = (name: string): string => name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());

/**
 * The case after eligibility: the lifecycle routes (offer answers, travel, plan, visits, closure),
 * the consumer of domain events that offers a case that became eligible to its receiving partner, and the
 * daily job that reminds receivers and coordinators of overdue plans and visits.
 */
export class CaseLifecycle extends Construct {
  readonly routeFunctions: Record<LifecycleRouteHandler, HouseFunction>;
  readonly offerConsumer: HouseFunction;
  readonly reminders: HouseFunction;
  readonly reminderSchedule: Rule;

  constructor(scope: Construct, id: string, props: CaseLifecycleProps) {
    super(scope, id);
    const { tables } = props;
    const functionDefaults = { config: props.config, alarmTopic: props.alarmTopic };
    const casesTable = { CASES_TABLE_NAME: tables.cases.tableName };
    const partnersTable = { PARTNERS_TABLE_NAME: tables.partners.tableName };

    const routeFunction = (handler: LifecycleRouteHandler): HouseFunction => {
      const fn = new HouseFunction(this, pascalCase(handler), {
        ...functionDefaults,
        entry: `${handler}.ts`,
        description: apiRoutes
          .filter((route) => route.handler === handler)
          .map(routeKeyOf)
          .join(', '),
        environment: { ...casesTable, ...(handler === 'reassign-referral' ? partnersTable : {}) },
      });
      tables.grantReadWrite(tables.cases, fn);
      if (routesTakingNotes.has(handler)) props.personalDataKey.grantTo(fn, 'write');
      return fn;
    };
    this.routeFunctions = Object.fromEntries(lifecycleRouteHandlers.map((handler) => [handler, routeFunction(handler)])) as Record<
      LifecycleRouteHandler,
      HouseFunction
    >;
    // A reassignment checks that the new receiver is an active receiving partner.
    tables.grantRead(tables.partners, this.routeFunctions['reassign-referral']);

    this.offerConsumer = new HouseFunction(this, 'OfferReferral', {
      ...functionDefaults,
      entry: 'offer-referral.ts',
      description: 'Offers a case that became eligible to its receiving partner',
      environment: { ...casesTable, ...partnersTable },
      timeout: Duration.seconds(30),
    });
    tables.grantReadWrite(tables.cases, this.offerConsumer);
    tables.grantRead(tables.partners, this.offerConsumer);
    // Finding the receivers of a country scans the partners table (tens of items).
    this.offerConsumer.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tables.partners.tableArn] }));
    props.events.addConsumer(this, 'OfferOnEligible', {
      consumer: this.offerConsumer,
      timeout: Duration.seconds(30),
      description: 'Offer of eligible cases',
      types: ['referral.status_changed'],
      detail: { status: ['eligible'] },
    });

    this.reminders = new HouseFunction(this, 'SendReminders', {
      ...functionDefaults,
      entry: 'send-reminders.ts',
      description: 'Daily reminders of overdue reintegration plans and monitoring visits',
      environment: { ...casesTable, ...partnersTable, NOTIFICATIONS_QUEUE_URL: props.notificationsQueue.queueUrl },
      timeout: Duration.minutes(5),
    });
    tables.grantReadWrite(tables.cases, this.reminders, { indexes: ['byStatus'] });
    // Each coordinator is reminded by partner id: finding them scans the partners table.
    tables.grantRead(tables.partners, this.reminders);
    this.reminders.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [tables.partners.tableArn] }));
    props.notificationsQueue.grantSendMessages(this.reminders);
    // Once a day in the morning in Europe; a failed run is retried twice, and an item missed by a
    // run that failed for good is picked up the next day (the job is idempotent).
    this.reminderSchedule = new Rule(this, 'DailyReminders', {
      description: 'Runs the reminders of overdue plans and visits',
      schedule: Schedule.cron({ minute: '0', hour: '6' }),
      targets: [new LambdaFunction(this.reminders, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
    Validations.of(this.reminderSchedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        "The target is this stack's own function, invoked asynchronously: Lambda retries a failed run twice, the job is idempotent and the next day's run catches up, and the function's error-rate alarm reports the failure.",
    });
  }
}
