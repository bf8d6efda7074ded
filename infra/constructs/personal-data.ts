import { Duration, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { apiRoutes, type RouteHandler, routeKeyOf } from '../../events/routes.ts';
import { cursorSecretName } from '../../functions/adapters/cursor.ts';
import { stageSecretPk } from '../../functions/adapters/stage-secret.ts';
import type { StageConfig } from '../config.ts';
import type { DataTables } from './data-tables.ts';
import { HouseFunction } from './house-function.ts';

export interface PersonalDataProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
}

const describe = (handler: RouteHandler): string =>
  apiRoutes
    .filter((route) => route.handler === handler)
    .map(routeKeyOf)
    .join(', ');

/**
 * A case's personal data after it was given: erasure (the coordinators' route and the daily
 * retention job) and the access log's reader. The functions that disclose personal data write the
 * log themselves (`DataTables.grantAppend`, infra/stack.ts).
 */
export class PersonalData extends Construct {
  readonly routeFunctions: Record<'erase-referral' | 'get-access-log', HouseFunction>;
  readonly retention: HouseFunction;
  readonly retentionSchedule: Rule;

  constructor(scope: Construct, id: string, props: PersonalDataProps) {
    super(scope, id);
    const { tables } = props;
    const functionDefaults = { config: props.config, alarmTopic: props.alarmTopic };
    const casesTable = { CASES_TABLE_NAME: tables.cases.tableName };

    const erase = new HouseFunction(this, 'EraseReferral', {
      ...functionDefaults,
      entry: 'erase-referral.ts',
      description: describe('erase-referral'),
      environment: { ...casesTable, IDEMPOTENCY_TABLE_NAME: tables.idempotency.tableName },
    });
    tables.grantReadWrite(tables.cases, erase);
    tables.grantReadWrite(tables.idempotency, erase);

    const accessLogReader = new HouseFunction(this, 'GetAccessLog', {
      ...functionDefaults,
      entry: 'get-access-log.ts',
      description: describe('get-access-log'),
      environment: { ...casesTable, ACCESS_LOG_TABLE_NAME: tables.accessLog.tableName },
    });
    tables.grantRead(tables.cases, accessLogReader);
    tables.grantQuery(tables.accessLog, accessLogReader);
    // Its cursors are sealed with the stage secret the first paging function creates (functions/adapters/cursor.ts).
    tables.grantPutInto(tables.cases, accessLogReader, stageSecretPk(cursorSecretName));
    this.routeFunctions = { 'erase-referral': erase, 'get-access-log': accessLogReader };

    this.retention = new HouseFunction(this, 'EraseExpired', {
      ...functionDefaults,
      entry: 'erase-expired.ts',
      description: "Daily erasure of personal data whose programme's retention period is over",
      environment: casesTable,
      timeout: Duration.minutes(5),
    });
    tables.grantReadWrite(tables.cases, this.retention, { indexes: ['byStatus'] });
    // Once a day at night in Europe; a failed run is retried twice, and a case it missed is erased on
    // the next run (an erased case is never erased again).
    this.retentionSchedule = new Rule(this, 'DailyRetention', {
      description: 'Erases the personal data of cases past their programme retention period',
      schedule: Schedule.cron({ minute: '30', hour: '2' }),
      targets: [new LambdaFunction(this.retention, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
    Validations.of(this.retentionSchedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        "The target is this stack's own function, invoked asynchronously: Lambda retries a failed run twice, the job is idempotent and the next day's run catches up, and the function's error-rate alarm reports the failure.",
    });
  }
}
