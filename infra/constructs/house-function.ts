import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, Duration, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type CfnFunction,
  Code,
  EventSourceMapping,
  type IEventSource,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct, IConstruct } from 'constructs';
import { bundleAllFunctions, bundleDirName, bundleEntryMetadata, bundleHandler, functionEntries, projectRoot } from '../bundling.ts';
import type { StageConfig } from '../config.ts';
import { LogsKey } from './logs-key.ts';
import { functionAlarms } from './operational-alarms.ts';

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
 * esbuild build (`infra/bundling.ts`), an explicit log group with retention encrypted with the
 * logs key, Powertools settings, X-Ray tracing and metrics in the TRM namespace under the entry's
 * name as its service (functions/commons/powertools.ts), and alarms on its error rate and throttles.
 */
export class HouseFunction extends LambdaFunction {
  readonly errorsAlarm: Alarm;
  readonly throttlesAlarm: Alarm;

  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: retentionDays(props.config.logRetentionDays),
      encryptionKey: LogsKey.of(scope, props.config),
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
    const alarms = functionAlarms(this, props.alarmTopic, props.description);
    this.errorsAlarm = alarms.errors;
    this.throttlesAlarm = alarms.throttles;
    acknowledgeFunctionFindings(this, role);
  }

  /** An SQS mapping's acknowledgement sits on the mapping itself, where the finding is. */
  override addEventSource(source: IEventSource): void {
    const before = new Set(this.node.children);
    super.addEventSource(source);
    if (!(source instanceof SqsEventSource)) return;
    for (const child of this.node.children) {
      if (!before.has(child) && child instanceof EventSourceMapping) {
        Validations.of(child).acknowledge({
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason:
            "An SQS mapping's failed messages go to the queue's own dead-letter queue (its redrive policy); Lambda takes on-failure destinations only for stream and Kafka mappings.",
        });
      }
    }
  }
}

/**
 * The rule findings every house function shares, acknowledged once here with why they do not apply.
 */
function acknowledgeFunctionFindings(fn: HouseFunction, role: Role): void {
  const functionReasons: Record<string, string> = {
    'Serverless-LambdaDLQ':
      'No function is invoked asynchronously with nowhere to fail to: API routes are synchronous, queue and stream consumers fail into their dead-letter or on-failure queues (each with an alarm), and the three daily jobs are idempotent, retried twice by their schedule and caught up by the next run; the error-rate alarm reports a failed run.',
    'HIPAA.Security-LambdaDLQ':
      'As Serverless-LambdaDLQ: failures end in the dead-letter and on-failure queues of the sources, each with an alarm, or are answered to the caller.',
    'HIPAA.Security-LambdaConcurrency':
      "Reserved concurrency per function would carve the account's pool into 43 fixed shares and throttle a burst on one route; the API's stage throttle bounds partner traffic and the mailer's mapping bounds its concurrency (maxConcurrency) instead. Throttles raise an alarm.",
    'HIPAA.Security-LambdaInsideVPC':
      'The functions reach only AWS service endpoints (DynamoDB, SQS, EventBridge, KMS, SES) over TLS with IAM; there is no VPC resource to reach, and a VPC would add NAT or endpoints to pay for and run without narrowing what a function may call.',
  };
  for (const [id, reason] of Object.entries(functionReasons)) Validations.of(fn).acknowledge({ id, reason });
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray active tracing: PutTraceSegments and PutTelemetryRecords take no resource, so Lambda grants them on *.',
  });
  Validations.of(role).acknowledge({
    id: 'HIPAA.Security-IAMNoInlinePolicy',
    reason:
      'Each function has a role of its own whose one inline policy holds exactly the grants of that function (least privilege per function); a managed policy would be shared by nothing.',
  });
}

/** The CloudWatch namespace of the functions' metrics (business figures and cold starts). */
export const metricsNamespace = 'TRM';

/** The Powertools service of a function: its entry file's name, e.g. `create-referral`. */
export const serviceNameOf = (entry: string): string => entry.replace(/\.ts$/, '');

/**
 * The bundles' content hashes of the cloud assemblies whose functions are bundled already: one
 * build per app, not per function.
 */
const bundledApps = new WeakMap<IConstruct, Record<string, string>>();

/**
 * The function's bundle, staged by CDK into the cloud assembly as any asset directory, hashed by
 * its content as the build recorded it (`infra/bundle-cache.ts`), so an unchanged function keeps
 * its hash. The first function of an app bundles them all; a stack excluded from bundling
 * (`aws:cdk:bundling-stacks`) gets a placeholder per entry.
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
  let hashes = bundledApps.get(root);
  if (hashes === undefined) {
    hashes = bundleAllFunctions(outdir).hashes;
    bundledApps.set(root, hashes);
  }
  const dir = bundleDirName(entry);
  return Code.fromAsset(join(outdir, dir), { assetHashType: AssetHashType.CUSTOM, assetHash: hashes[dir] });
}

const retentionDays = (days: StageConfig['logRetentionDays']): RetentionDays =>
  ({
    14: RetentionDays.TWO_WEEKS,
    30: RetentionDays.ONE_MONTH,
    90: RetentionDays.THREE_MONTHS,
    365: RetentionDays.ONE_YEAR,
  })[days];
