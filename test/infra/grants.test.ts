import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/bundling.ts';
import { importsOf } from '../support/function-imports.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

/**
 * Least privilege, derived from the code: a DynamoDB action that writes or scans may be granted to a
 * function only if the files its entry imports make that call (directly, or as an item of a
 * TransactWriteItems, which IAM authorises item by item).
 */
const callsOf: Record<string, RegExp> = {
  'dynamodb:PutItem': /\bPutCommand\b|\bPut:\s*\{/,
  'dynamodb:UpdateItem': /\bUpdateCommand\b|\bUpdate:\s*\{/,
  'dynamodb:DeleteItem': /\bDeleteCommand\b|\bDelete:\s*\{/,
  'dynamodb:BatchWriteItem': /\bBatchWrite(?:Item)?Command\b/,
  'dynamodb:Scan': /\bScanCommand\b|\bpaginateScan\b/,
};

/**
 * Libraries that call DynamoDB on a function's behalf, declared: Powertools idempotency's
 * DynamoDBPersistenceLayer puts a record when a call starts, updates it when it succeeds and deletes
 * it when the handler fails, so that a retry may run.
 */
const packageCalls: Array<{ prefix: string; actions: string[] }> = [
  { prefix: '@aws-lambda-powertools/idempotency', actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] },
];

const usedActionsOf = (entry: string): Set<string> => {
  const { files, packages } = importsOf(entry);
  const sources = [...files].map((file) => readFileSync(join(projectRoot, file), 'utf8'));
  const used = new Set(Object.keys(callsOf).filter((action) => sources.some((source) => callsOf[action]!.test(source))));
  for (const { prefix, actions } of packageCalls) {
    if ([...packages].some((name) => name.startsWith(prefix))) for (const action of actions) used.add(action);
  }
  return used;
};

type Resource = { Type: string; Properties: Record<string, Json>; Metadata?: Record<string, unknown> };

/** `<function id> (functions/<entry>): <action>` for each write or scan granted that its code does not call. */
function unusedGrants(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const policies = Object.values(resources).filter((resource) => resource.Type === 'AWS::IAM::Policy');
  const grantedActionsOf = (roleId: string): string[] =>
    policies
      .filter((policy) => policy.Properties.Roles.some((role: { Ref?: string }) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement.flatMap((statement: Json) => [statement.Action].flat() as string[]));
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([id, fn]) => {
      const entry = String(fn.Metadata?.['trm:bundle-entry']).replace(/^functions\//, '');
      const used = usedActionsOf(entry);
      const granted = grantedActionsOf(fn.Properties.Role['Fn::GetAtt'][0] as string);
      return [...new Set(granted)]
        .filter((action) => action in callsOf && !used.has(action))
        .map((action) => `${id} (functions/${entry}): ${action}`);
    });
}

describe('DynamoDB grants: none that the function code does not use', () => {
  it('holds for every function of the stack', () => {
    const { template } = synthesizeStack({ bundle: false });
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(40);
    expect(unusedGrants(template)).toEqual([]);
  });

  it('fails on a grant nothing uses (deletes given to the health check)', () => {
    const { template } = synthesizeStack({
      bundle: false,
      addToStack: (stack) => {
        const health = stack.node.findChild('Health') as LambdaFunction;
        health.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
            resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/any'],
          })
        );
      },
    });
    expect(unusedGrants(template).sort()).toEqual([
      expect.stringMatching(/^Health[0-9A-F]{8} \(functions\/health\.ts\): dynamodb:BatchWriteItem$/),
      expect.stringMatching(/^Health[0-9A-F]{8} \(functions\/health\.ts\): dynamodb:DeleteItem$/),
    ]);
  });

  it('knows the calls of the adapters and of Powertools idempotency', () => {
    expect(usedActionsOf('health.ts').has('dynamodb:DeleteItem')).toBe(false);
    expect(usedActionsOf('send-reminders.ts').has('dynamodb:DeleteItem')).toBe(true);
    expect(usedActionsOf('mailer.ts').has('dynamodb:DeleteItem')).toBe(true);
    expect(usedActionsOf('export-payments.ts').has('dynamodb:UpdateItem')).toBe(false);
  });
});
