import { RemovalPolicy } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import type { HouseFunction } from './house-function.ts';

/**
 * Administration of the key, for the account (its administrators' IAM policies): everything but
 * the cryptographic operations. Because the account root is not given those, an IAM policy
 * cannot give a role the use of the key either; only a statement of this key's own policy can.
 */
const administrationActions = [
  'kms:CancelKeyDeletion',
  'kms:Create*',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Put*',
  'kms:Revoke*',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
];

/** What a function does with personal data: writers make data keys, readers decrypt them. */
export type PersonalDataAccess = 'write' | 'read' | 'read-write';

const actionsFor: Record<PersonalDataAccess, string[]> = {
  write: ['kms:GenerateDataKey'],
  read: ['kms:Decrypt'],
  'read-write': ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/**
 * The customer-managed key that encrypts personal data, and nothing else (the tables have their
 * own key, infra/constructs/data-tables.ts). Rotated yearly, kept in prod when the stack goes. A
 * function may use it only through `grantTo`, which names its role in the key policy.
 */
export class PersonalDataKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const isProd = props.config.stage === 'prod';
    this.key = new Key(this, 'Key', {
      description: 'Encrypts personal data (people, payees, notes, document names) field by field',
      alias: `alias/trm-${props.config.stage}-personal-data`,
      enableKeyRotation: true,
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // A policy of its own, so CDK adds no `kms:*` for the account root.
      policy: new PolicyDocument({
        statements: [new PolicyStatement({ principals: [new AccountRootPrincipal()], actions: administrationActions, resources: ['*'] })],
      }),
    });
  }

  /**
   * Lets the function make data keys (`write`), decrypt them (`read`) or both, under this key
   * only, and tells it the key's ARN in PERSONAL_DATA_KEY_ARN.
   */
  grantTo(fn: HouseFunction, access: PersonalDataAccess): void {
    if (fn.role === undefined) throw new Error(`${fn.node.path} has no role to grant the personal-data key to`);
    this.key.addToResourcePolicy(new PolicyStatement({ principals: [fn.role], actions: actionsFor[access], resources: ['*'] }));
    fn.addEnvironment('PERSONAL_DATA_KEY_ARN', this.key.keyArn);
  }
}
