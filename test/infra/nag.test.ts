import type { Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { synthesizeStack } from '../support/synth-stack.ts';

describe('cdk-nag AWS Solutions checks', () => {
  it.each(['dev', 'prod'])('pass on the %s stage with no unacknowledged error or warning', (stage) => {
    expect(() => synthesizeStack({ stage, bundle: false })).not.toThrow();
  });

  it('stop synthesis when a resource breaks a rule (the checks really run)', () => {
    const addQueueWithoutDeadLetter = (stack: Stack) => new Queue(stack, 'QueueWithoutDeadLetter');
    expect(() => synthesizeStack({ bundle: false, addToStack: addQueueWithoutDeadLetter })).toThrow(/AwsSolutions-SQS3/);
  });
});
