import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalEndpoints } from './emulators.ts';
import type { ResolvedResource, ResourceContext } from './template.ts';

export interface StackOptions {
  /** What `AWS::StackName` resolves to. */
  stackName?: string | undefined;
  /**
   * Put before the logical id of tables and queues the template does not name, so several
   * stacks can share one set of emulators (CloudFormation puts the stack name there).
   */
  namePrefix?: string | undefined;
}

export interface ProvisionContext extends StackOptions {
  namePrefix: string;
  ctx: ResourceContext;
  endpoints: LocalEndpoints;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  kms: KMSClient;
}

export type Properties = Record<string, unknown>;

export interface ResourceRule {
  /** Properties the emulator honours; each gets its intrinsics resolved. */
  used: Set<string>;
  /** Properties without local behaviour; never resolved, so they may point at skipped resources. */
  ignored: Set<string>;
  provision(logicalId: string, properties: Properties, context: ProvisionContext): Promise<ResolvedResource>;
}

export function required(value: string | undefined, what: string): string {
  if (value === undefined) throw new Error(`the emulator returned no ${what}`);
  return value;
}
