import { describe, expect, it } from 'vitest';
import { cursorSecretName } from '../../functions/adapters/cursor.ts';
import { stageSecretPk } from '../../functions/adapters/stage-secret.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json> };
type Statement = { Action: string | string[]; Resource: Json; Condition?: Json; Effect: string };

const { template } = synthesizeStack({ bundle: false });
const resourcesOf = (type: string): Record<string, Resource> => template.findResources(type) as Record<string, Resource>;
const functions = resourcesOf('AWS::Lambda::Function');
const functionId = (prefix: string): string => {
  const ids = Object.keys(functions).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
const statementsOf = (id: string): Statement[] => {
  const roleId = functions[id]!.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resourcesOf('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
};
const actionsOf = (statement: Statement) => [statement.Action].flat();
const casesTableId = Object.keys(resourcesOf('AWS::DynamoDB::Table')).find((id) => id.startsWith('DataCases'))!;
const accessLogTableId = Object.keys(resourcesOf('AWS::DynamoDB::Table')).find((id) => id.startsWith('DataAccessLog'))!;
/** A payment route that shows the payee appends its disclosure to the access log (README, "Personal data"), and writes nothing else there. */
const isAccessLogAppend = (statement: Statement) =>
  JSON.stringify(actionsOf(statement)) === '["dynamodb:PutItem"]' &&
  JSON.stringify(statement.Resource) === JSON.stringify({ 'Fn::GetAtt': [accessLogTableId, 'Arn'] });

/**
 * Listing functions seal their cursors with a stage secret they create on first use
 * (functions/adapters/cursor.ts): they may put that one item and write nothing else.
 */
describe.each(['ListReferrals', 'ListPayments'])('%s', (prefix) => {
  const statements = statementsOf(functionId(prefix));
  const dynamoDbWrites = statements.filter(
    (statement) =>
      actionsOf(statement).some((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action)) &&
      !(prefix === 'ListPayments' && isAccessLogAppend(statement))
  );

  it('may put only the cursor secret into the cases table', () => {
    expect(casesTableId).toBeDefined();
    expect(dynamoDbWrites).toHaveLength(1);
    const [write] = dynamoDbWrites;
    expect(actionsOf(write!)).toEqual(['dynamodb:PutItem']);
    expect(write!.Resource).toEqual({ 'Fn::GetAtt': [casesTableId, 'Arn'] });
    expect(write!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [stageSecretPk(cursorSecretName)] } });
  });

  it('may read the cases table and encrypt the item it puts with the data key', () => {
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'])
    );
  });
});

describe('GetPayment', () => {
  it('writes nothing but its disclosures to the access log: it makes no cursors', () => {
    const statements = statementsOf(functionId('GetPayment'));
    expect(statements.filter(isAccessLogAppend)).toHaveLength(1);
    const actions = statements.filter((statement) => !isAccessLogAppend(statement)).flatMap(actionsOf);
    expect(actions.filter((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem)$/.test(action))).toEqual([]);
  });
});

describe('ListPayments', () => {
  it('appends its disclosures to the access log', () => {
    expect(statementsOf(functionId('ListPayments')).filter(isAccessLogAppend)).toHaveLength(1);
  });
});
