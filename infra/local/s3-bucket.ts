import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { localCredentials } from './provision.ts';
import type { Properties, ProvisionContext, ResourceRule } from './provision-context.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnTemplate, isRecord, localRegion, type ResolvedResource, type ResourceContext } from './template.ts';

/**
 * An S3 bucket, created in the local S3 (s3-storage.ts). Encryption, versioning, lifecycle rules,
 * ownership and public access settings have no local behaviour (README, "Documents", lists what
 * differs); the EventBridge notification setting decides whether the bucket's created objects
 * reach the default bus (`eventBridgeBuckets`).
 */
export const bucketRule: ResourceRule = {
  used: new Set(['BucketName', 'NotificationConfiguration']),
  ignored: new Set([
    'BucketEncryption',
    'LifecycleConfiguration',
    'OwnershipControls',
    'PublicAccessBlockConfiguration',
    'Tags',
    'VersioningConfiguration',
  ]),
  provision: provisionBucket,
};

async function provisionBucket(
  logicalId: string,
  properties: Properties,
  { endpoints, namePrefix }: ProvisionContext
): Promise<ResolvedResource> {
  if (endpoints.s3 === undefined) throw new Error(`Resources.${logicalId}: the local stack was started without S3`);
  const name = typeof properties.BucketName === 'string' ? properties.BucketName : defaultBucketName(`${namePrefix}${logicalId}`);
  const s3 = new S3Client({ region: localRegion, credentials: localCredentials, endpoint: endpoints.s3, forcePathStyle: true });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    // Kept on disk from an earlier run.
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
  } finally {
    s3.destroy();
  }
  return {
    ref: name,
    attributes: {
      Arn: `arn:aws:s3:::${name}`,
      DomainName: `${name}.s3.amazonaws.com`,
      RegionalDomainName: `${name}.s3.${localRegion}.amazonaws.com`,
    },
  };
}

/** CloudFormation names an unnamed bucket after the stack and logical id, in lower case, within 63 characters. */
function defaultBucketName(base: string): string {
  return base
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/** The names of the buckets that send their events to EventBridge (`EventBridgeConfiguration.EventBridgeEnabled`). */
export function eventBridgeBuckets(template: CfnTemplate, resources: ResourceContext): Set<string> {
  const names = resourcesOfType(template, 'AWS::S3::Bucket')
    .filter(([, resource]) => {
      const notification = resource.Properties?.NotificationConfiguration;
      const eventBridge = isRecord(notification) ? notification.EventBridgeConfiguration : undefined;
      return isRecord(eventBridge) && (eventBridge.EventBridgeEnabled === true || eventBridge.EventBridgeEnabled === 'true');
    })
    .flatMap(([logicalId]) => (resources[logicalId] === undefined ? [] : [resources[logicalId].ref]));
  return new Set(names);
}
