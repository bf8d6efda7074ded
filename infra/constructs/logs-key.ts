import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

const id = 'LogsKey';

/**
 * The customer-managed key of the stack's log groups (functions and API access logs), one per
 * stack: a log line can carry a case id or a partner id, and the logs of a system holding
 * trafficking victims' cases are encrypted like its tables. CloudWatch Logs uses the key on the
 * log groups' behalf, so the key policy lets the regional Logs service use it for this account's
 * log groups only (the encryption context names the log group).
 */
export class LogsKey extends Construct {
  readonly key: Key;

  /** The stack's logs key, created with the first log group that asks for it. */
  static of(scope: Construct, config: StageConfig): Key {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(id);
    return (existing instanceof LogsKey ? existing : new LogsKey(stack, id, config)).key;
  }

  private constructor(scope: Stack, constructId: string, config: StageConfig) {
    super(scope, constructId);
    const isProd = config.stage === 'prod';
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the log groups of the stack',
      enableKeyRotation: true,
      removalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.key.grant(
      new ServicePrincipal(`logs.${scope.region}.amazonaws.com`, {
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': scope.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
      'kms:Encrypt*',
      'kms:Decrypt*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*'
    );
  }
}
