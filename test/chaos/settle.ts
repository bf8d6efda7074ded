import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { queueDepth, queueRoles } from '../support/quiescence.ts';

/*
 * When the chaos run's stack has settled: nothing in the queues its mappings read, and no
 * invocation ended for a while. As test/support/quiescence.ts, but counting invocations as they
 * end: `stack.invocations` keeps the last 10,000 only, so past that its length stops changing
 * while the stack is still busy, and a run of a few hundred cases makes far more.
 */

export interface InvocationCounter {
  ended: number;
  failed: number;
}

export interface SettleOptions {
  timeoutMs: number;
  /** How long no function may have run; longer than a stream mapping's retry delay and batching window. */
  quietMs: number;
  onProgress?: (status: string) => void;
}

export async function settled(stack: LocalStack, counter: InvocationCounter, options: SettleOptions): Promise<void> {
  const { consumed } = queueRoles(stack);
  const sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.sqs });
  const deadline = Date.now() + options.timeoutMs;
  let lastCount = -1;
  let quietSince = Date.now();
  let status = '';
  try {
    while (Date.now() < deadline) {
      if (counter.ended !== lastCount) {
        lastCount = counter.ended;
        quietSince = Date.now();
      }
      const depths = await Promise.all(consumed.map(async (queue) => [queue.logicalId, await queueDepth(sqs, queue.url)] as const));
      const waiting = depths.filter(([, depth]) => depth > 0);
      status =
        waiting.length === 0
          ? `queues empty, quiet for ${Date.now() - quietSince} ms`
          : `waiting: ${waiting.map(([id, depth]) => `${id} ${depth}`).join(', ')}`;
      options.onProgress?.(status);
      if (waiting.length === 0 && Date.now() - quietSince >= options.quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the stack did not settle within ${options.timeoutMs} ms (${status})`);
  } finally {
    sqs.destroy();
  }
}
