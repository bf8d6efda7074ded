import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalEndpoints } from './emulators.ts';
import type { Properties, ProvisionContext, ResourceRule, StackOptions } from './provision-context.ts';
import { eventArchiveRule, eventBusRule } from './provision-event-bus.ts';
import { aliasRule, keyRule } from './provision-kms.ts';
import { queueRule } from './provision-queue.ts';
import { tableRule } from './provision-table.ts';
import { passedOverTypes, runtimeTypes } from './resource-types.ts';
import { bucketRule } from './s3-bucket.ts';
import {
  type CfnResource,
  type CfnTemplate,
  isRecord,
  localRegion,
  type ResourceContext,
  referencedLogicalIds,
  resolveIntrinsics,
  resolveString,
} from './template.ts';

/** The emulators check no signature; the SDK clients only need some credentials to sign with. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const Rules: Record<string, ResourceRule> = {
  'AWS::DynamoDB::Table': tableRule,
  'AWS::KMS::Alias': aliasRule,
  'AWS::KMS::Key': keyRule,
  'AWS::Events::Archive': eventArchiveRule,
  'AWS::Events::EventBus': eventBusRule,
  'AWS::S3::Bucket': bucketRule,
  'AWS::SQS::Queue': queueRule,
};

/**
 * Creates the template's tables, queues and KMS keys in the emulators and returns what each logical id
 * resolves to locally, so Lambda environments can be resolved against it.
 */
export async function provisionResources(
  template: CfnTemplate,
  endpoints: LocalEndpoints,
  options: StackOptions = {}
): Promise<ResourceContext> {
  const clientConfig = { region: localRegion, credentials: localCredentials };
  const context: ProvisionContext = {
    ctx: {},
    endpoints,
    stackName: options.stackName,
    namePrefix: options.namePrefix ?? '',
    dynamodb: new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb }),
    sqs: new SQSClient({ ...clientConfig, endpoint: endpoints.sqs }),
    kms: new KMSClient({ ...clientConfig, endpoint: endpoints.kms }),
  };
  try {
    for (const logicalId of provisioningOrder(template)) {
      const resource = template.Resources[logicalId] as CfnResource;
      const rule = Rules[resource.Type] as ResourceRule;
      const properties = usedProperties(logicalId, resource, rule, context);
      context.ctx[logicalId] = await rule.provision(logicalId, properties, context);
    }
    return context.ctx;
  } finally {
    context.dynamodb.destroy();
    context.sqs.destroy();
    context.kms.destroy();
  }
}

/**
 * The resolved `Environment.Variables` of a function. A variable pointing at something that has
 * no local counterpart (a topic) fails here rather than as a confusing runtime error.
 */
export function resolveFunctionEnvironment(
  template: CfnTemplate,
  logicalId: string,
  ctx: ResourceContext,
  options: StackOptions = {}
): Record<string, string> {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') {
    throw new Error(`Resources.${logicalId} is not an AWS::Lambda::Function`);
  }
  const environment = resource.Properties?.Environment;
  const variables = isRecord(environment) && isRecord(environment.Variables) ? environment.Variables : {};
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      const path = `Resources.${logicalId}.Properties.Environment.Variables.${name}`;
      assertLocallyAvailable(value, path, template, ctx);
      return [name, resolveString(value, ctx, { path, stackName: options.stackName })];
    })
  );
}

function assertLocallyAvailable(value: unknown, path: string, template: CfnTemplate, ctx: ResourceContext): void {
  for (const id of referencedLogicalIds(value)) {
    const type = template.Resources[id]?.Type;
    if (!(id in ctx) && type !== undefined) {
      throw new Error(`${path} references ${id} (${type}), which has no local counterpart`);
    }
  }
}

/** Provisionable resources, each after the resources it references (a queue after its DLQ). */
function provisioningOrder(template: CfnTemplate): string[] {
  const provisionable = Object.entries(template.Resources)
    .filter(([id, resource]) => isProvisionable(id, resource))
    .map(([id]) => id);
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string): void => {
    if (ordered.includes(id)) return;
    if (visiting.has(id)) throw new Error(`circular reference between resources involving ${id}`);
    visiting.add(id);
    for (const dependency of dependenciesOf(template.Resources[id] as CfnResource)) {
      if (provisionable.includes(dependency)) visit(dependency);
    }
    visiting.delete(id);
    ordered.push(id);
  };
  provisionable.forEach(visit);
  return ordered;
}

function isProvisionable(logicalId: string, resource: CfnResource): boolean {
  if (resource.Type in Rules) return true;
  if (passedOverTypes.has(resource.Type) || runtimeTypes.has(resource.Type)) return false;
  throw new Error(`Resources.${logicalId}: type ${resource.Type} is not supported by the local stack`);
}

function dependenciesOf(resource: CfnResource): string[] {
  const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
  return [...dependsOn, ...referencedLogicalIds(resource.Properties ?? {})];
}

function usedProperties(logicalId: string, resource: CfnResource, rule: ResourceRule, { ctx, stackName }: ProvisionContext): Properties {
  const properties: Properties = {};
  for (const [name, value] of Object.entries(resource.Properties ?? {})) {
    if (rule.ignored.has(name)) continue;
    if (!rule.used.has(name)) {
      throw new Error(`Resources.${logicalId}: unsupported ${resource.Type} property ${name}`);
    }
    const path = `Resources.${logicalId}.Properties.${name}`;
    properties[name] = resolveIntrinsics(value, ctx, { path, stackName });
  }
  return properties;
}
