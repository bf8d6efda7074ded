import { describe, expect, it } from 'vitest';
import { HouseFunction } from '../../infra/constructs/house-function.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

/*
 * The personal-data key (infra/constructs/personal-data-key.ts): who may make data keys under it
 * and who may decrypt them is exactly the lists below, whether the permission would come from the
 * key policy or from an IAM policy. A function that starts handling personal data joins a list
 * here in the same change that grants it (`personalDataKey.grantTo`).
 */
/** Logical id prefixes of the functions granted `write` (kms:GenerateDataKey): they seal a person, a note or a payee. */
const writers: string[] = [
  'CreateReferral',
  'WithdrawReferral',
  'DecideReferral',
  'LifecycleAcceptReferral',
  'LifecycleDeclineReferral',
  'LifecycleReassignReferral',
  'LifecycleDraftPlan',
  'LifecycleApprovePlan',
  'LifecycleReturnPlan',
  'LifecycleRecordVisit',
  'LifecycleCloseReferral',
  'LifecycleReopenReferral',
  'RequestPayment',
  'ApprovePayment',
  'RejectPayment',
  'CancelPayment',
  'PersonalDataEraseReferral',
  // A webhook endpoint's signing secret is sealed like personal data (functions/commons/webhook-secrets.ts).
  'WebhooksRegister',
  'WebhooksRotateSecret',
  'DocumentsAttachDocument',
];
/** Logical id prefixes of the functions granted `read` (kms:Decrypt): they answer with personal data, or compare it. */
const readers: string[] = [
  'GetReferral',
  'DecideReferral',
  'RequestPayment',
  'GetPayment',
  'ListPayments',
  'ApprovePayment',
  'RejectPayment',
  'CancelPayment',
  'RecordDisbursement',
  'GetTransferInstructions',
  // Opens the signing secrets to sign each attempt.
  'WebhooksWorker',
  'DocumentsListDocuments',
  'DocumentsGetDocument',
];

type Resource = { Type: string; Properties: Record<string, Json>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Principal?: { AWS?: Json }; Resource?: Json };
type Synthesized = ReturnType<typeof synthesizeStack>;

const dev = synthesizeStack({ stage: 'dev', bundle: false });
const prod = synthesizeStack({ stage: 'prod', bundle: false });

const resourcesOf = (type: string, synthesized: Synthesized = dev): [string, Resource][] =>
  Object.entries(synthesized.template.findResources(type) as Record<string, Resource>);

const personalDataKeyOf = (synthesized: Synthesized = dev): [string, Resource] => {
  const keys = resourcesOf('AWS::KMS::Key', synthesized).filter(([id]) => id.startsWith('PersonalDataKey'));
  expect(keys).toHaveLength(1);
  return keys[0] as [string, Resource];
};

const functionId = (prefix: string, synthesized: Synthesized = dev): string => {
  const ids = resourcesOf('AWS::Lambda::Function', synthesized)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

/** Whether an action pattern (`kms:*`, `kms:GenerateDataKey*`) covers the action. */
const covers = (pattern: string, action: string): boolean =>
  pattern === '*' || pattern === action || (pattern.endsWith('*') && action.startsWith(pattern.slice(0, -1)));
const allows = (statement: Statement, action: string): boolean =>
  statement.Effect === 'Allow' && [statement.Action].flat().some((pattern) => covers(pattern, action));

/** The function a role belongs to, or the role (or principal) itself when no function has it. */
const holderOf = (principal: Json, synthesized: Synthesized): string => {
  const roleId = principal?.['Fn::GetAtt']?.[0];
  if (typeof roleId !== 'string') return JSON.stringify(principal);
  const fn = resourcesOf('AWS::Lambda::Function', synthesized).find(([, f]) => f.Properties.Role?.['Fn::GetAtt']?.[0] === roleId);
  return fn?.[0] ?? roleId;
};

/** Everyone the template lets perform `action` with the personal-data key. */
function holdersOf(action: string, synthesized: Synthesized = dev): string[] {
  const [keyId, key] = personalDataKeyOf(synthesized);
  const holders = new Set<string>();
  for (const statement of key.Properties.KeyPolicy.Statement as Statement[]) {
    if (!allows(statement, action)) continue;
    for (const principal of [statement.Principal?.AWS].flat()) holders.add(holderOf(principal, synthesized));
  }
  const onKey = (resource: Json): boolean =>
    [resource].flat().some((r: Json) => r === '*' || JSON.stringify(r).includes(`"${keyId}"`) || JSON.stringify(r).includes(':kms:'));
  for (const [, policy] of resourcesOf('AWS::IAM::Policy', synthesized)) {
    for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
      if (!allows(statement, action) || !onKey(statement.Resource)) continue;
      for (const role of policy.Properties.Roles as Json[]) holders.add(holderOf({ 'Fn::GetAtt': [role.Ref, 'Arn'] }, synthesized));
    }
  }
  return [...holders].sort();
}

describe('the personal-data key', () => {
  it('is a key of its own, rotated, with its alias', () => {
    const [keyId, key] = personalDataKeyOf();
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(resourcesOf('AWS::KMS::Key').length).toBeGreaterThan(1);
    const tableKeys = resourcesOf('AWS::DynamoDB::Table').map(([, table]) => table.Properties.SSESpecification?.KMSMasterKeyId);
    expect(JSON.stringify(tableKeys)).not.toContain(keyId);
    const aliases = resourcesOf('AWS::KMS::Alias').filter(([, alias]) => alias.Properties.TargetKeyId?.['Fn::GetAtt']?.[0] === keyId);
    expect(aliases.map(([, alias]) => alias.Properties.AliasName)).toEqual(['alias/trm-dev-personal-data']);
  });

  it('is kept in prod when the stack or the key goes, and not in dev', () => {
    const [, prodKey] = personalDataKeyOf(prod);
    expect([prodKey.DeletionPolicy, prodKey.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const [, devKey] = personalDataKeyOf();
    expect([devKey.DeletionPolicy, devKey.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
    const prodAliases = resourcesOf('AWS::KMS::Alias', prod).map(([, alias]) => alias.Properties.AliasName);
    expect(prodAliases).toContain('alias/trm-prod-personal-data');
  });

  it('lets the account administer it, and use it to encrypt or decrypt nothing', () => {
    const [, key] = personalDataKeyOf();
    const rootStatements = (key.Properties.KeyPolicy.Statement as Statement[]).filter(
      (statement) => !JSON.stringify(statement.Principal).includes('Fn::GetAtt')
    );
    expect(rootStatements).toHaveLength(1);
    expect(JSON.stringify(rootStatements[0]?.Principal)).toContain(':root');
    for (const action of [
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'kms:Encrypt',
      'kms:ReEncryptFrom',
      'kms:GenerateDataKeyWithoutPlaintext',
    ]) {
      expect(allows(rootStatements[0] as Statement, action), action).toBe(false);
    }
    expect(allows(rootStatements[0] as Statement, 'kms:PutKeyPolicy')).toBe(true);
    expect(allows(rootStatements[0] as Statement, 'kms:ScheduleKeyDeletion')).toBe(true);
  });

  it('makes data keys for the writers only, and decrypts for the readers only', () => {
    expect(holdersOf('kms:GenerateDataKey')).toEqual(writers.map((prefix) => functionId(prefix)).sort());
    expect(holdersOf('kms:Decrypt')).toEqual(readers.map((prefix) => functionId(prefix)).sort());
    for (const action of [
      'kms:Encrypt',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:CreateGrant',
    ]) {
      const functions = holdersOf(action).filter((holder) => !holder.includes(':root'));
      expect(functions, action).toEqual([]);
    }
  });

  it('is named in the environment of the functions granted it, and of no other', () => {
    const named = resourcesOf('AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PERSONAL_DATA_KEY_ARN !== undefined)
      .map(([id]) => id);
    expect(named.sort()).toEqual([...new Set([...writers, ...readers])].map((prefix) => functionId(prefix)).sort());
  });
});

describe('grantTo', () => {
  const granted = synthesizeStack({
    stage: 'dev',
    bundle: false,
    addToStack: (stack) => {
      const functions = stack.node.findAll().filter((node): node is HouseFunction => node instanceof HouseFunction);
      const byId = (id: string) => functions.find((fn) => fn.node.id === id) as HouseFunction;
      stack.personalDataKey.grantTo(byId('Authorizer'), 'read');
      stack.personalDataKey.grantTo(byId('UnmatchedRoute'), 'write');
    },
  });

  it('grants exactly the use asked for to that function’s role, and tells it the key’s ARN', () => {
    const authorizer = functionId('Authorizer', granted);
    const unmatched = functionId('UnmatchedRoute', granted);
    expect(holdersOf('kms:Decrypt', granted)).toEqual([...readers.map((prefix) => functionId(prefix, granted)), authorizer].sort());
    expect(holdersOf('kms:GenerateDataKey', granted)).toEqual([...writers.map((prefix) => functionId(prefix, granted)), unmatched].sort());
    const [keyId] = personalDataKeyOf(granted);
    const environment = (id: string) => granted.template.toJSON().Resources[id].Properties.Environment.Variables;
    expect(environment(authorizer).PERSONAL_DATA_KEY_ARN).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(environment(unmatched).PERSONAL_DATA_KEY_ARN).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
  });
});
