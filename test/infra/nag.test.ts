import { type App, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { HIPAASecurityChecks, type NagPack } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { OperationsStack } from '../../infra/constructs/operations-stack.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

/** Findings a pack reports on the app, by rule: the pack run directly, as the synthesis runs the app's. */
const findingsOf = (pack: NagPack, app: App) =>
  pack
    .validateScope(app)
    .violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`);

const appOf = (stack: Stack) => stack.node.root as App;

describe('cdk-nag checks of the app (AWS Solutions and Serverless, infra/checks.ts)', () => {
  it.each(['dev', 'prod'])('pass on the %s stage with no unacknowledged error or warning', (stage) => {
    expect(() => synthesizeStack({ stage, bundle: false })).not.toThrow();
  });

  it('pass on prod pinned to its account and region (resources then render without pseudo parameters)', () => {
    const { stack } = synthesizeStack({ stage: 'prod', bundle: false, context: { account: '123456789012' } });
    expect(stack.account).toBe('123456789012');
    expect(stack.region).toBe('eu-west-1');
  });

  it('stop synthesis when a resource breaks an AWS Solutions rule (the checks really run)', () => {
    const addQueueWithoutDeadLetter = (stack: Stack) => new Queue(stack, 'QueueWithoutDeadLetter');
    expect(() => synthesizeStack({ bundle: false, addToStack: addQueueWithoutDeadLetter })).toThrow(/AwsSolutions-SQS3/);
  });

  it('stop synthesis when a resource breaks a Serverless rule, even with the AWS Solutions finding acknowledged', () => {
    const addAcknowledgedQueue = (stack: Stack) => {
      const queue = new Queue(stack, 'QueueWithoutDeadLetter');
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'The test acknowledges this one rule only.' });
    };
    expect(() => synthesizeStack({ stage: 'prod', bundle: false, addToStack: addAcknowledgedQueue })).toThrow(
      /Serverless-SQSRedrivePolicy/
    );
  });

  it('stop synthesis when a resource in the nested operations stack breaks a rule (the alarms are checked too)', () => {
    const addQueueToOperations = (stack: Stack) => new Queue(OperationsStack.of(stack), 'QueueWithoutDeadLetter');
    expect(() => synthesizeStack({ bundle: false, addToStack: addQueueToOperations })).toThrow(
      /AwsSolutions-SQS3[\s\S]*trm-dev\/Operations\/QueueWithoutDeadLetter/
    );
  });
});

describe('cdk-nag HIPAA Security pack (run in the tests only)', () => {
  it.each(['dev', 'prod'])('has every finding on the %s stage fixed or acknowledged at its resource with a reason', (stage) => {
    const { stack } = synthesizeStack({ stage, bundle: false });
    expect(findingsOf(new HIPAASecurityChecks(), appOf(stack))).toEqual([]);
  });

  it('reports a deliberate finding (the pack really runs)', () => {
    const { stack } = synthesizeStack({ stage: 'prod', bundle: false });
    new LogGroup(stack, 'UnencryptedLogs', { removalPolicy: RemovalPolicy.DESTROY });
    expect(findingsOf(new HIPAASecurityChecks(), appOf(stack))).toEqual([
      'HIPAA.Security-CloudWatchLogGroupEncrypted: trm-prod/UnencryptedLogs/Resource',
    ]);
  });

  it('reports a deliberate finding in the nested operations stack', () => {
    const { stack } = synthesizeStack({ stage: 'prod', bundle: false });
    new LogGroup(OperationsStack.of(stack), 'UnencryptedLogs', { removalPolicy: RemovalPolicy.DESTROY });
    expect(findingsOf(new HIPAASecurityChecks(), appOf(stack))).toEqual([
      'HIPAA.Security-CloudWatchLogGroupEncrypted: trm-prod/Operations/UnencryptedLogs/Resource',
    ]);
  });
});
