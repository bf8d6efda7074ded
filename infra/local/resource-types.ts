import type { CfnTemplate } from './template.ts';

/**
 * Types with no local behaviour: permissions, observability, fan-out to humans, and
 * deployment plumbing. They are passed over by name. A type in neither this list, runtimeTypes
 * nor provisionedTypes is a new kind of resource someone must decide about, so start-up stops.
 */
export const passedOverTypes: ReadonlySet<string> = new Set([
  'AWS::ApiGateway::Account',
  // Backups of the tables (prod only, infra/constructs/backups.ts): nothing runs them locally, and the
  // local tables are thrown away with the emulators.
  'AWS::Backup::BackupPlan',
  'AWS::Backup::BackupSelection',
  'AWS::Backup::BackupVault',
  'AWS::CDK::Metadata',
  // The nested operations stack (infra/constructs/operations-stack.ts): only alarms and the dashboard,
  // and alarms and dashboards do not run locally.
  'AWS::CloudFormation::Stack',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::Lambda::Permission',
  'AWS::Logs::LogGroup',
  'AWS::Logs::MetricFilter',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::Subscription',
  'AWS::SNS::Topic',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
  // SES sending set-up: the local SES takes any sender and never bounces, so a test injects the
  // feedback SES would publish straight into the local default bus (test/local/ses-feedback.test.ts).
  'AWS::SES::ConfigurationSet',
  'AWS::SES::ConfigurationSetEventDestination',
  'AWS::SES::EmailIdentity',
]);

/** Tables, queues, buckets and KMS keys, created in the emulators by provision.ts; buses and archives, named there. */
export const provisionedTypes: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::Events::Archive',
  'AWS::Events::EventBus',
  'AWS::KMS::Alias',
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
]);

/** What the local stack runs itself: functions, the HTTP API and the triggers. */
export const runtimeTypes: ReadonlySet<string> = new Set([
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Stage',
  'AWS::Events::Rule',
  'AWS::Lambda::EventSourceMapping',
  'AWS::Lambda::Function',
]);

/** Stops at the first resource whose type the local stack does not know, naming it. */
export function assertKnownResourceTypes(template: CfnTemplate): void {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const known = passedOverTypes.has(resource.Type) || provisionedTypes.has(resource.Type) || runtimeTypes.has(resource.Type);
    if (!known) throw new Error(`Resources.${logicalId}: type ${resource.Type} is not supported by the local stack`);
  }
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnTemplate['Resources'][string]][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}
