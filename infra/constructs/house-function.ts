import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * ESM bundles have no `require`; some transitive CommonJS dependencies still call it, so every
 * bundle gets one built from its own URL.
 */
const createRequireBanner =
  "import { createRequire as __trmCreateRequire } from 'node:module'; const require = __trmCreateRequire(import.meta.url);";

export interface HouseFunctionProps {
  /** Entry file name under `functions/`, e.g. `create-referral.ts`. */
  readonly entry: string;
  readonly description: string;
  readonly config: StageConfig;
  readonly alarmTopic: ITopic;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * The one way this project builds a Lambda: Node 24 on arm64, minified ESM with source maps,
 * the AWS SDK bundled (so a function runs the SDK version it was tested with, not the runtime's),
 * an explicit log group with retention, Powertools settings, and an alarm on its errors.
 */
export class HouseFunction extends NodejsFunction {
  readonly errorsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: retentionDays(props.config.logRetentionDays),
      removalPolicy: props.config.stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      entry: `${projectRoot}functions/${props.entry}`,
      projectRoot,
      depsLockFilePath: `${projectRoot}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        STAGE: props.config.stage,
        POWERTOOLS_SERVICE_NAME: 'trm',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        externalModules: [],
        bundleAwsSDK: true,
        banner: createRequireBanner,
      },
    });
    this.errorsAlarm = new Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `${props.description}: the function failed`,
      metric: this.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorsAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}

const retentionDays = (days: StageConfig['logRetentionDays']): RetentionDays =>
  ({
    14: RetentionDays.TWO_WEEKS,
    30: RetentionDays.ONE_MONTH,
    90: RetentionDays.THREE_MONTHS,
    365: RetentionDays.ONE_YEAR,
  })[days];
