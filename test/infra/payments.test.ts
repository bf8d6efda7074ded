import { describe, expect, it } from 'vitest';
import { eventRouteOf } from '../support/event-routes.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type Resource = { Type: string; Properties: Record<string, Json> };

const { template } = synthesizeStack({ bundle: false });
const resourcesOf = (type: string): Record<string, Resource> => template.findResources(type) as Record<string, Resource>;
const idStartingWith = (type: string, prefix: string): string => {
  const ids = Object.keys(resourcesOf(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

const functions = resourcesOf('AWS::Lambda::Function');
const mappings = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping'));
const processorId = idStartingWith('AWS::Lambda::Function', 'PaymentProcessingProcessor');
const notifierId = idStartingWith('AWS::Lambda::Function', 'PaymentProcessingNotifier');
const digestId = idStartingWith('AWS::Lambda::Function', 'PaymentProcessingDigest');
const paymentsQueueId = idStartingWith('AWS::SQS::Queue', 'PaymentsQueue');

/** Every action a function's role is allowed, with the resources, flattened. */
const statementsOf = (functionId: string) => {
  const roleId = functions[functionId]!.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resourcesOf('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
};
const actionsOf = (functionId: string) => statementsOf(functionId).flatMap((statement) => [statement.Action].flat());

describe('the payments Lambda', () => {
  const mapping = mappings.find((candidate) => candidate.Properties.FunctionName.Ref === processorId)!;

  it('is fed by the FIFO payments queue in batches, reporting failed messages one by one', () => {
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][0]).toBe(paymentsQueueId);
    expect(resourcesOf('AWS::SQS::Queue')[paymentsQueueId]!.Properties.FifoQueue).toBe(true);
    expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it("gets at most a sixth of the queue's visibility timeout", () => {
    const visibility = resourcesOf('AWS::SQS::Queue')[paymentsQueueId]!.Properties.VisibilityTimeout as number;
    expect(6 * functions[processorId]!.Properties.Timeout).toBeLessThanOrEqual(visibility);
  });

  it('may read and write the cases table but send nowhere', () => {
    expect(functions[processorId]!.Properties.Environment.Variables).toHaveProperty('CASES_TABLE_NAME');
    expect(actionsOf(processorId)).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'])
    );
    expect(actionsOf(processorId).filter((action) => action.startsWith('sqs:Send'))).toEqual([]);
  });
});

describe('payment notifications', () => {
  const mapping = mappings.find((candidate) => candidate.Properties.FunctionName.Ref === notifierId)!;

  it("come from the bus's payment.status_changed events on the notifier's queue, reported per message", () => {
    expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][1]).toBe('Arn');
    const route = eventRouteOf(template, notifierId);
    expect(route.patterns).toEqual([{ source: ['trm.payments'], 'detail-type': ['payment.status_changed'] }]);
    expect(mapping.Properties).toMatchObject({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(route.queue.Properties.RedrivePolicy.deadLetterTargetArn).toBeDefined();
  });

  it('are sent to the notifications queue; the notifier cannot read the cases table (only its own idempotency records)', () => {
    expect(functions[notifierId]!.Properties.Environment.Variables.NOTIFICATIONS_QUEUE_URL.Ref).toMatch(/^NotificationsQueue/);
    expect(actionsOf(notifierId)).toContain('sqs:SendMessage');
    const tableStatements = statementsOf(notifierId).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('dynamodb:'))
    );
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) expect(JSON.stringify(statement.Resource)).not.toMatch(/DataCases/);
    expect(JSON.stringify(tableStatements)).toMatch(/DataIdempotency/);
  });
});

describe("finance's daily digest", () => {
  it('runs once a day on a schedule', () => {
    const rules = Object.values(resourcesOf('AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(digestId)
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    expect(rules[0]!.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [digestId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }),
    ]);
  });

  it('may query the finance index only, not the case lists', () => {
    const resources = JSON.stringify(statementsOf(digestId).map((statement) => statement.Resource));
    expect(resources).toContain('/index/finance');
    expect(resources).not.toContain('/index/byReceiver');
  });
});

describe('the finance index', () => {
  it('projects neither the payee nor the purpose', () => {
    const cases = Object.values(resourcesOf('AWS::DynamoDB::Table')).find((table) => table.Properties.KeySchema[0].AttributeName === 'pk')!;
    const finance = cases.Properties.GlobalSecondaryIndexes.find((index: { IndexName: string }) => index.IndexName === 'finance');
    expect(finance.KeySchema).toEqual([
      { AttributeName: 'financePartition', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(finance.Projection.ProjectionType).toBe('INCLUDE');
    for (const personal of ['payee', 'purpose', 'steps', 'person']) expect(finance.Projection.NonKeyAttributes).not.toContain(personal);
  });
});
