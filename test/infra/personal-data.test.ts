import { describe, expect, it } from 'vitest';
import type { DataTables } from '../../infra/constructs/data-tables.ts';
import type { PersonalData } from '../../infra/constructs/personal-data.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json> };
type Template = ReturnType<typeof synthesizeStack>['template'];

const resourcesOf = (template: Template, type: string): Record<string, Resource> =>
  template.findResources(type) as Record<string, Resource>;

const idStartingWith = (template: Template, type: string, prefix: string): string => {
  const ids = Object.keys(resourcesOf(template, type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

/** Stream consumers may list every stream (`*`): that touches no item of any table. */
const itemlessActions = ['dynamodb:ListStreams'];

/**
 * Every grant on the access log table, by the logical id of the function whose role holds it: the
 * statements whose resources name the table, or any resource at all (`*`).
 */
const accessLogGrants = (template: Template): Record<string, string[]> => {
  const tableId = idStartingWith(template, 'AWS::DynamoDB::Table', 'DataAccessLog');
  const functionByRole = Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).map(([id, fn]) => [fn.Properties.Role['Fn::GetAtt'][0], id])
  );
  const grants: Record<string, string[]> = {};
  for (const policy of Object.values(resourcesOf(template, 'AWS::IAM::Policy'))) {
    for (const statement of policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: Json }>) {
      const resources = JSON.stringify(statement.Resource);
      if (!resources.includes(`"${tableId}"`) && resources !== '"*"') continue;
      const actions = [statement.Action]
        .flat()
        .filter((action) => (action.startsWith('dynamodb:') || action === '*') && !itemlessActions.includes(action));
      for (const role of policy.Properties.Roles as Array<{ Ref: string }>) {
        const holder = functionByRole[role.Ref] ?? role.Ref;
        grants[holder] = [...new Set([...(grants[holder] ?? []), ...actions])].sort();
      }
    }
  }
  return Object.fromEntries(Object.entries(grants).filter(([, actions]) => actions.length > 0));
};

/** What may be done to the access log at all: append an entry, read a case's entries. */
const allowedOnAccessLog = ['dynamodb:PutItem', 'dynamodb:Query'];
const changesOf = (grants: Record<string, string[]>) =>
  Object.entries(grants).filter(([, actions]) => actions.some((action) => !allowedOnAccessLog.includes(action)));

const { template } = synthesizeStack({ bundle: false });

describe('the access log table', () => {
  const grants = accessLogGrants(template);
  const holders = (action: string) =>
    Object.entries(grants)
      .filter(([, actions]) => actions.includes(action))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
      .sort();

  it('no role may update, delete or batch-write an entry', () => {
    expect(changesOf(grants)).toEqual([]);
  });

  it('only the functions that disclose personal data append, and only the access log route reads', () => {
    expect(holders('dynamodb:PutItem')).toEqual([
      'DocumentsGetDocument',
      'DocumentsListDocuments',
      'GetPayment',
      'GetReferral',
      'GetTransferInstructions',
      'ListPayments',
    ]);
    expect(holders('dynamodb:Query')).toEqual(['PersonalDataGetAccessLog']);
  });

  it('is kept with point-in-time recovery, encrypted with the data key, without a stream', () => {
    const table = resourcesOf(template, 'AWS::DynamoDB::Table')[idStartingWith(template, 'AWS::DynamoDB::Table', 'DataAccessLog')]!;
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification.SSEEnabled).toBe(true);
    expect(table.Properties.StreamSpecification).toBeUndefined();
  });

  it('the check fails when a function is granted more (a mutation of the stack)', () => {
    const mutated = synthesizeStack({
      bundle: false,
      addToStack: (stack) => {
        const tables = stack.node.findChild('Data') as DataTables;
        const personalData = stack.node.findChild('PersonalData') as PersonalData;
        tables.grantReadWrite(tables.accessLog, personalData.routeFunctions['get-access-log']);
      },
    });
    expect(changesOf(accessLogGrants(mutated.template)).map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'PersonalDataGetAccessLog',
    ]);
  });
});

describe('the retention job', () => {
  it('runs daily on a schedule and may change cases but not the access log', () => {
    const jobId = idStartingWith(template, 'AWS::Lambda::Function', 'PersonalDataEraseExpired');
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(`"${jobId}"`)
    );
    expect(rules.map((rule) => rule.Properties.ScheduleExpression)).toEqual(['cron(30 2 * * ? *)']);
    expect(accessLogGrants(template)[jobId]).toBeUndefined();
  });
});
