import { Duration } from 'aws-cdk-lib';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { CaseStreamConsumer } from './case-stream-consumer.ts';
import type { DataTables } from './data-tables.ts';
import type { EventBackbone } from './event-backbone.ts';
import { HouseFunction } from './house-function.ts';

export interface EligibilityEngineProps {
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly tables: DataTables;
  /** `PROGRAMME_WINDOWS` and the table name: what every function that reads programmes needs. */
  readonly environment: Record<string, string>;
  readonly events: EventBackbone;
}

/**
 * What keeps eligibility and places right: the engine, a reader of the cases stream invoked only
 * for new submitted cases, and waitlist promotion, fed by its queue only the events of a case giving
 * its assistance place back. The filter and the rule are in the template, so neither runs for any other change.
 */
export class EligibilityEngine extends Construct {
  readonly assessor: HouseFunction;
  readonly promoter: HouseFunction;
  readonly assessorStream: CaseStreamConsumer;

  constructor(scope: Construct, id: string, props: EligibilityEngineProps) {
    super(scope, id);
    const { tables } = props;
    // Long enough for a full batch to retry its transactions against contended counters.
    const timeout = Duration.seconds(60);

    this.assessor = new HouseFunction(this, 'Assess', {
      config: props.config,
      alarmTopic: props.alarmTopic,
      entry: 'assess-eligibility.ts',
      description: 'Eligibility engine: decides new submitted cases',
      timeout,
      environment: props.environment,
    });
    tables.grantReadWrite(tables.cases, this.assessor);
    this.assessorStream = new CaseStreamConsumer(this, 'AssessStream', {
      table: tables.cases,
      consumer: this.assessor,
      alarmTopic: props.alarmTopic,
      description: 'Eligibility engine',
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: {
            Keys: { sk: { S: FilterRule.isEqual('CASE') } },
            NewImage: { status: { S: FilterRule.isEqual('submitted') } },
          },
        }),
      ],
    });

    this.promoter = new HouseFunction(this, 'Promote', {
      config: props.config,
      alarmTopic: props.alarmTopic,
      entry: 'promote-waitlist.ts',
      description: 'Waitlist promotion: fills freed assistance places',
      timeout,
      environment: props.environment,
    });
    tables.grantReadWrite(tables.cases, this.promoter);
    props.events.addConsumer(this, 'PromoteOnRelease', {
      consumer: this.promoter,
      timeout,
      description: 'Waitlist promotion',
      types: ['referral.place_released'],
    });
  }
}
