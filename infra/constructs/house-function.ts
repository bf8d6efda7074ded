import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, Duration, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Code, Function as LambdaFunction, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct, IConstruct } from 'constructs';
import { bundleAllFunctions, bundleDirName, bundleEntryMetadata, bundleHandler, functionEntries, projectRoot } from '../bundling.ts';
import type { StageConfig } from '../config.ts';

export { projectRoot };

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
 * The one way this project builds a Lambda: Node 24 on arm64, its bundle from the app's one
 * esbuild build (`infra/bundling.ts`), an explicit log group with retention, Powertools settings,
 * X-Ray tracing and metrics in the TRM namespace under the entry's name as its service
 * (functions/commons/powertools.ts), and an alarm on its errors.
 */
export class HouseFunction extends LambdaFunction {
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
      code: functionCode(scope, props.entry),
      handler: bundleHandler,
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        STAGE: props.config.stage,
        // One service per function: its logs, traces and metrics are found by the entry's name.
        POWERTOOLS_SERVICE_NAME: serviceNameOf(props.entry),
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        ...props.environment,
      },
    });
    (this.node.defaultChild as CfnFunction).addMetadata(bundleEntryMetadata, `functions/${props.entry}`);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing: PutTraceSegments and PutTelemetryRecords take no resource, so Lambda grants them on *.',
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

/** The CloudWatch namespace of the functions' metrics (business figures and cold starts). */
export const metricsNamespace = 'TRM';

/** The Powertools service of a function: its entry file's name, e.g. `create-referral`. */
export const serviceNameOf = (entry: string): string => entry.replace(/\.ts$/, '');

/** The cloud assemblies whose functions are bundled already: one build per app, not per function. */
const bundledApps = new WeakSet<IConstruct>();

/**
 * The function's bundle, staged by CDK into the cloud assembly as any asset directory (hashed by
 * its content, so an unchanged function keeps its hash). The first function of an app bundles them
 * all; a stack excluded from bundling (`aws:cdk:bundling-stacks`) gets a placeholder per entry.
 */
function functionCode(scope: Construct, entry: string): Code {
  if (!functionEntries().includes(entry)) throw new Error(`HouseFunction: no entry file functions/${entry}`);
  const root = scope.node.root;
  const outdir = root instanceof Stage ? root.outdir : Stage.of(scope)?.outdir;
  if (outdir === undefined) throw new Error('HouseFunction: no cloud assembly to bundle into');
  if (!Stack.of(scope).bundlingRequired) {
    const placeholder = join(outdir, 'bundle-skipped');
    if (!existsSync(join(placeholder, 'index.mjs'))) {
      mkdirSync(placeholder, { recursive: true });
      writeFileSync(join(placeholder, 'index.mjs'), '// Not bundled: this stack was excluded from bundling.\n');
    }
    const assetHash = createHash('sha256').update(`unbundled:${entry}`).digest('hex');
    return Code.fromAsset(placeholder, { assetHashType: AssetHashType.CUSTOM, assetHash });
  }
  if (!bundledApps.has(root)) {
    bundleAllFunctions(outdir);
    bundledApps.add(root);
  }
  return Code.fromAsset(join(outdir, bundleDirName(entry)));
}

const retentionDays = (days: StageConfig['logRetentionDays']): RetentionDays =>
  ({
    14: RetentionDays.TWO_WEEKS,
    30: RetentionDays.ONE_MONTH,
    90: RetentionDays.THREE_MONTHS,
    365: RetentionDays.ONE_YEAR,
  })[days];
