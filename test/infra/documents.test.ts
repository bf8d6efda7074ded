import { describe, expect, it } from 'vitest';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

/* The documents bucket (infra/constructs/case-documents.ts) and who may touch it. */
type Resource = { Type: string; Properties: Record<string, Json>; DeletionPolicy?: string };

const dev = synthesizeStack({ stage: 'dev', bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = dev) =>
  Object.entries(synthesized.template.findResources(type) as Record<string, Resource>);
const bucketOf = (synthesized = dev) => {
  const buckets = resourcesOf('AWS::S3::Bucket', synthesized);
  expect(buckets).toHaveLength(1);
  return buckets[0] as [string, Resource];
};

describe('the documents bucket', () => {
  const [bucketId, bucket] = bucketOf();

  it('is private, versioned, encrypted with a rotated key of its own, and sends its events to EventBridge', () => {
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const encryption = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(encryption.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    const keyId = encryption.ServerSideEncryptionByDefault.KMSMasterKeyID['Fn::GetAtt'][0];
    expect(dev.template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
    expect(bucket.Properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
  });

  it('aborts incomplete multipart uploads', () => {
    const rules = bucket.Properties.LifecycleConfiguration.Rules as Json[];
    expect(rules.some((rule: Json) => rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation === 1)).toBe(true);
  });

  it('refuses any request without TLS', () => {
    const policies = resourcesOf('AWS::S3::BucketPolicy').filter(([, policy]) => policy.Properties.Bucket.Ref === bucketId);
    expect(policies).toHaveLength(1);
    const statements = policies[0]![1].Properties.PolicyDocument.Statement as Json[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })
    );
  });

  it('is retained in prod and its key too', () => {
    const [, prodBucket] = bucketOf(prod);
    expect(prodBucket.DeletionPolicy).toBe('Retain');
    expect(bucket.DeletionPolicy).toBe('Delete');
  });

  it('is listed by nobody: no policy grants s3:ListBucket or a wildcard of it, and objects only under cases/', () => {
    const statements = resourcesOf('AWS::IAM::Policy').flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    const onBucket = statements.filter((statement: Json) => JSON.stringify(statement.Resource).includes(bucketId));
    expect(onBucket.length).toBeGreaterThan(0);
    for (const statement of onBucket) {
      const actions = [statement.Action].flat() as string[];
      expect(actions.filter((action) => action.startsWith('s3:List') || action === 's3:*')).toEqual([]);
      expect(JSON.stringify(statement.Resource)).toContain('/cases/*');
    }
  });

  it('routes its Object Created events on the default bus to the check', () => {
    const rules = resourcesOf('AWS::Events::Rule').filter(([, rule]) => rule.Properties.EventPattern?.source?.[0] === 'aws.s3');
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern['detail-type']).toEqual(['Object Created']);
    expect(rule.Properties.EventPattern.detail.bucket.name).toEqual([{ Ref: bucketId }]);
  });
});
