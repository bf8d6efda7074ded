import type { LocalStack } from '../../../infra/local/local-stack.ts';
import { waitFor } from '../../support/harness.ts';

/**
 * Starts one environment of each function whose logical id begins with one of `prefixes`, two at
 * a time (the machine's two cores), before a test goes through them. On a loaded machine a burst
 * of cold starts at once can outlast Lambda's 10-second init; a route then answers 500, and a queue
 * consumer's batch comes back only after the queue's visibility timeout (minutes), so a case's
 * event would reach the webhook fan-out after the later ones. An init that fails is tried again.
 * The event is an empty batch: its handler's answer does not matter, only that its init finished.
 */
export const startFunctions = async (stack: LocalStack, prefixes: readonly string[]): Promise<void> => {
  const ids = stack
    .functions()
    .map((spec) => spec.logicalId)
    .filter((id) => prefixes.some((prefix) => id.startsWith(prefix)));
  const missing = prefixes.filter((prefix) => !ids.some((id) => id.startsWith(prefix)));
  if (missing.length > 0) throw new Error(`no function in the template starts with ${missing.join(', ')}`);
  const start = async (id: string) =>
    waitFor(
      async () => {
        const result = await stack.invoke(id, { Records: [] });
        return result.outcome !== 'timeout' && result.outcome !== 'crash' && !result.error?.errorType.startsWith('Runtime.');
      },
      { timeoutMs: 90_000, intervalMs: 0, description: `${id} started` }
    );
  const queue = [...ids];
  const next = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await start(id);
  };
  await Promise.all([next(), next()]);
};
