import { describe, expect, it } from 'vitest';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { loadStageConfig } from '../../infra/config.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

const dev = synthesizeStack({ stage: 'dev', bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string, synthesized = prod): Record<string, Json> => synthesized.template.findResources(type);

describe('backups', () => {
  it('prod backs up its record tables daily and monthly into a locked, encrypted vault kept with the stack gone', () => {
    const [vault] = Object.values(resourcesOf('AWS::Backup::BackupVault'));
    expect(vault.DeletionPolicy).toBe('Retain');
    expect(vault.Properties.EncryptionKeyArn).toBeDefined();
    expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 35, MaxRetentionDays: 400 });
    const [plan] = Object.values(resourcesOf('AWS::Backup::BackupPlan'));
    const rules = plan.Properties.BackupPlan.BackupPlanRule.map((rule: Json) => [
      rule.RuleName,
      rule.ScheduleExpression,
      rule.Lifecycle.DeleteAfterDays,
    ]);
    expect(rules).toEqual([
      ['Daily', 'cron(0 3 * * ? *)', 35],
      ['Monthly', 'cron(0 4 1 * ? *)', 365],
    ]);
    const [selection] = Object.values(resourcesOf('AWS::Backup::BackupSelection'));
    const tableIds = Object.keys(resourcesOf('AWS::DynamoDB::Table'));
    const selected = (selection.Properties.BackupSelection.Resources as Json[]).map((arn) => arn['Fn::GetAtt'][0]);
    expect(selected.sort()).toEqual(tableIds.filter((id) => !id.includes('Idempotency')).sort());
  });

  it('dev has no backup plan (test data, point-in-time recovery only)', () => {
    expect(Object.keys(resourcesOf('AWS::Backup::BackupPlan', dev))).toEqual([]);
  });
});

describe('log groups', () => {
  it.each([
    ['dev', dev],
    ['prod', prod],
  ])('on %s, every one is encrypted with the logs key, which the Logs service may use for this account only', (_stage, synthesized) => {
    const keys = resourcesOf('AWS::KMS::Key', synthesized);
    const logsKeyId = Object.keys(keys).find((id) => id.startsWith('LogsKey'))!;
    const logGroups = Object.values(resourcesOf('AWS::Logs::LogGroup', synthesized));
    expect(logGroups.length).toBeGreaterThan(40);
    for (const group of logGroups) expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKeyId, 'Arn'] });
    const logsStatement = (keys[logsKeyId].Properties.KeyPolicy.Statement as Json[]).find((statement) =>
      JSON.stringify(statement.Principal).includes('logs.')
    );
    expect(logsStatement.Action).toEqual(expect.arrayContaining(['kms:Encrypt*', 'kms:Decrypt*', 'kms:GenerateDataKey*']));
    expect(JSON.stringify(logsStatement.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain('log-group:*');
  });
});

describe('stage settings', () => {
  it('prod is protected from deletion, dev is not', () => {
    expect(prod.stack.terminationProtection).toBe(true);
    expect(dev.stack.terminationProtection).toBe(false);
  });

  it('a stage given its account is pinned to it and its region', () => {
    const pinned = synthesizeStack({ stage: 'prod', bundle: false, context: { account: '123456789012' } });
    expect([pinned.stack.account, pinned.stack.region]).toEqual(['123456789012', 'eu-west-1']);
    expect(pinned.assembly.getStackArtifact(pinned.stack.artifactId).environment).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
      name: 'aws://123456789012/eu-west-1',
    });
  });
});

describe('stage configuration of data safety', () => {
  const withProd = (changes: Record<string, unknown>) => {
    const stages = { ...cdkJson.context.stages, prod: { ...cdkJson.context.stages.prod, ...changes } };
    return () => loadStageConfig((key) => ({ ...cdkJson.context, stages, stage: 'prod' })[key as keyof typeof cdkJson.context]);
  };

  it('stops synth on a vault lock that would refuse the plan its own recovery points', () => {
    const backup = cdkJson.context.stages.prod.backup;
    expect(withProd({ backup: { ...backup, vaultLock: { minRetentionDays: 60, maxRetentionDays: 400 } } })).toThrow(
      /backup: vaultLock\.minRetentionDays must not exceed dailyRetentionDays/
    );
    expect(withProd({ backup: { ...backup, vaultLock: { minRetentionDays: 35, maxRetentionDays: 100 } } })).toThrow(
      /backup: vaultLock\.maxRetentionDays must allow monthlyRetentionDays/
    );
  });

  it('stops synth on an account without its region, or a malformed account', () => {
    expect(withProd({ account: '123456789012', region: undefined })).toThrow(/region: a stage pinned to an account needs its region too/);
    expect(withProd({ account: '1234' })).toThrow(/account: must be a 12-digit AWS account id/);
  });
});
