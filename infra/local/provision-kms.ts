import { AlreadyExistsException, CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { type Properties, type ProvisionContext, type ResourceRule, required } from './provision-context.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnTemplate, type ResolvedResource, type ResourceContext, referencedLogicalIds } from './template.ts';

/**
 * KMS keys, created in the local KMS (`kms.ts`) under the tags CloudFormation gives what it
 * creates, so each key of the template has the same id, and the same material, on every run.
 * Policies and rotation have no local behaviour; key types other than symmetric encryption keys
 * are refused rather than served as something else.
 */
export const keyRule: ResourceRule = {
  used: new Set(['Description', 'Enabled', 'KeySpec', 'KeyUsage', 'MultiRegion', 'Origin']),
  ignored: new Set([
    'BypassPolicyLockoutSafetyCheck',
    'EnableKeyRotation',
    'KeyPolicy',
    'PendingWindowInDays',
    'RotationPeriodInDays',
    'Tags',
  ]),
  provision: provisionKey,
};

/** An alias; its name is the template's, as CloudFormation requires one. */
export const aliasRule: ResourceRule = {
  used: new Set(['AliasName', 'TargetKeyId']),
  ignored: new Set(),
  provision: provisionAlias,
};

async function provisionKey(
  logicalId: string,
  properties: Properties,
  { kms, stackName, namePrefix }: ProvisionContext
): Promise<ResolvedResource> {
  for (const [name, allowed] of [
    ['KeySpec', 'SYMMETRIC_DEFAULT'],
    ['KeyUsage', 'ENCRYPT_DECRYPT'],
    ['MultiRegion', false],
    ['Origin', 'AWS_KMS'],
  ] as const) {
    const value = properties[name];
    if (value !== undefined && value !== allowed && String(value) !== String(allowed)) {
      throw new Error(`Resources.${logicalId}: ${name} ${String(value)} is not supported by the local stack`);
    }
  }
  const { KeyMetadata: created } = await kms.send(
    new CreateKeyCommand({
      Description: typeof properties.Description === 'string' ? properties.Description : undefined,
      Tags: [
        { TagKey: 'aws:cloudformation:stack-name', TagValue: stackName ?? 'local' },
        // The prefix keeps apart the keys of stacks that share one local KMS, as it does tables.
        { TagKey: 'aws:cloudformation:logical-id', TagValue: `${namePrefix}${logicalId}` },
      ],
    })
  );
  const keyId = required(created?.KeyId, `KeyId of ${logicalId}`);
  const arn = required(created?.Arn, `Arn of ${logicalId}`);
  if (properties.Enabled === false || properties.Enabled === 'false') await kms.send(new DisableKeyCommand({ KeyId: keyId }));
  return { ref: keyId, attributes: { Arn: arn, KeyId: keyId } };
}

async function provisionAlias(logicalId: string, properties: Properties, { kms }: ProvisionContext): Promise<ResolvedResource> {
  const { AliasName: aliasName, TargetKeyId: targetKeyId } = properties;
  if (typeof aliasName !== 'string' || typeof targetKeyId !== 'string') {
    throw new Error(`Resources.${logicalId}: AliasName and TargetKeyId must be strings`);
  }
  try {
    await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId }));
  } catch (error) {
    // Provisioning again (a reload) finds the alias it made.
    if (!(error instanceof AlreadyExistsException)) throw error;
    await kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: targetKeyId }));
  }
  return { ref: aliasName, attributes: {} };
}

/** The template's keys as provisioned, with their aliases, for the control endpoint; never material. */
export function describeKeys(template: CfnTemplate, resources: ResourceContext): Array<Record<string, unknown>> {
  const aliases = resourcesOfType(template, 'AWS::KMS::Alias');
  return resourcesOfType(template, 'AWS::KMS::Key').map(([logicalId]) => ({
    logicalId,
    keyId: resources[logicalId]?.ref,
    arn: resources[logicalId]?.attributes.Arn,
    aliases: aliases
      .filter(([, alias]) => referencedLogicalIds(alias.Properties?.TargetKeyId).has(logicalId))
      .map(([aliasId]) => resources[aliasId]?.ref),
  }));
}
