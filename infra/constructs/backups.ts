import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';

export interface TableBackupsProps {
  readonly settings: NonNullable<StageConfig['backup']>;
  readonly tables: readonly Table[];
}

/**
 * AWS Backup of the tables that hold the stage's records, beside their point-in-time recovery (35
 * days, per second): a daily and a monthly recovery point in a vault of the stage, encrypted with a
 * key of its own and kept when the stack goes, so a table deleted with its stack, a bad deploy found
 * after five weeks or a region-wide restore still has a copy. The vault lock, when the stage sets it,
 * keeps recovery points from being deleted early (infra/config.ts, `backup.vaultLock`).
 */
export class TableBackups extends Construct {
  readonly vault: BackupVault;
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupsProps) {
    super(scope, id);
    const { settings } = props;
    const key = new Key(this, 'VaultKey', {
      description: 'Encrypts the recovery points of the backup vault',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const lock = settings.vaultLock;
    this.vault = new BackupVault(this, 'Vault', {
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(lock === undefined
        ? {}
        : {
            lockConfiguration: {
              minRetention: Duration.days(lock.minRetentionDays),
              maxRetention: Duration.days(lock.maxRetentionDays),
              ...(lock.changeableForDays === undefined ? {} : { changeableFor: Duration.days(lock.changeableForDays) }),
            },
          }),
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '3' }),
          deleteAfter: Duration.days(settings.dailyRetentionDays),
        }),
        new BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: Schedule.cron({ minute: '0', hour: '4', day: '1' }),
          deleteAfter: Duration.days(settings.monthlyRetentionDays),
        }),
      ],
    });
    const selection = this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => BackupResource.fromDynamoDbTable(table)),
      allowRestores: true,
    });
    for (const policy of ['AWSBackupServiceRolePolicyForBackup', 'AWSBackupServiceRolePolicyForRestores']) {
      Validations.of(selection.node.findChild('Role')).acknowledge({
        id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${policy}]`,
        reason:
          "AWS Backup's own service-role policy, kept current by AWS for the resource types it backs up; the role is assumable by AWS Backup only.",
      });
    }
  }
}

/** Where a stage has no backup plan (dev: test data only), its tables say why, at each table. */
export function acknowledgeNoBackupPlan(tables: readonly Table[], reason: string): void {
  for (const table of tables) Validations.of(table).acknowledge({ id: 'HIPAA.Security-DynamoDBInBackupPlan', reason });
}
