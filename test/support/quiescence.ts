import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { type CfnTemplate, loadStackTemplate, localRegion } from '../../infra/local/template.ts';

/*
 * When a local stack has settled: nothing waits in the queues its event source mappings read and no
 * function has run for a while. Without vitest, so that the chaos run (test/chaos) uses it too.
 */

export interface QueueRoles {
  /** Queues an event source mapping reads: work in flight while they hold messages. */
  consumed: Array<{ logicalId: string; url: string }>;
  /** Every other queue: dead-letter queues and on-failure destinations, where work is parked. */
  parked: Array<{ logicalId: string; url: string }>;
}

/** The template's queues, told apart by whether a mapping reads them. */
export function queueRoles(stack: LocalStack): QueueRoles {
  const template: CfnTemplate = loadStackTemplate(stack.cdkOutDir);
  const resources = Object.entries(template.Resources ?? {});
  const consumedIds = new Set(
    resources
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::EventSourceMapping')
      .map(([, resource]) => (resource.Properties?.EventSourceArn as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0])
      .filter((id): id is string => id !== undefined)
  );
  const queues = resources
    .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
    .map(([logicalId]) => ({ logicalId, url: stack.resources[logicalId]!.ref }));
  return {
    consumed: queues.filter((queue) => consumedIds.has(queue.logicalId)),
    parked: queues.filter((queue) => !consumedIds.has(queue.logicalId)),
  };
}

/** Messages in a queue, visible, in flight or delayed. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    })
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

export interface QuiescenceOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** How long no function may have run; longer than a stream mapping's retry delay and batching window. */
  quietMs?: number;
  onProgress?: (status: string) => void;
}

/** Resolves once the consumed queues are empty and no invocation ended for `quietMs`; throws at the time-out. */
export async function waitForQuiescence(stack: LocalStack, options: QuiescenceOptions): Promise<void> {
  const quietMs = options.quietMs ?? 8_000;
  const { consumed } = queueRoles(stack);
  const sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.sqs });
  const deadline = Date.now() + options.timeoutMs;
  let lastCount = -1;
  let quietSince = Date.now();
  let status = '';
  try {
    while (Date.now() < deadline) {
      if (stack.invocationsEnded() !== lastCount) {
        lastCount = stack.invocationsEnded();
        quietSince = Date.now();
      }
      const depths = await Promise.all(consumed.map(async (queue) => [queue.logicalId, await queueDepth(sqs, queue.url)] as const));
      const waiting = depths.filter(([, depth]) => depth > 0);
      status =
        waiting.length === 0
          ? `queues empty, quiet for ${Date.now() - quietSince} ms`
          : `waiting: ${waiting.map(([id, depth]) => `${id} ${depth}`).join(', ')}`;
      options.onProgress?.(status);
      if (waiting.length === 0 && Date.now() - quietSince >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the stack did not settle within ${options.timeoutMs} ms (${status})`);
  } finally {
    sqs.destroy();
  }
}
