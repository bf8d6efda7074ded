import { format } from 'node:util';
import { inject } from 'vitest';
import type { ResolvedResource } from '../../infra/local/template.ts';

/** The resolved environment of the function whose logical id starts with `logicalIdPrefix`. */
export function functionEnvironment(logicalIdPrefix: string): Record<string, string> {
  return byLogicalIdPrefix(inject('functionEnvironments'), logicalIdPrefix, 'function');
}

/** The local table or queue whose logical id starts with `logicalIdPrefix`. */
export function resource(logicalIdPrefix: string): ResolvedResource {
  return byLogicalIdPrefix(inject('resources'), logicalIdPrefix, 'resource');
}

/** Physical name of a table or queue (a queue's ref is its URL, not its name). */
export function resourceName(logicalIdPrefix: string): string {
  const { ref, attributes } = resource(logicalIdPrefix);
  return attributes.QueueName ?? ref;
}

/**
 * CDK appends an 8-character hash to logical ids. A prefix followed by exactly that hash wins
 * over longer ids sharing the prefix, so `NotificationsQueue` does not also match
 * `NotificationsQueuePolicy…`.
 */
function byLogicalIdPrefix<T>(entries: Record<string, T>, prefix: string, kind: string): T {
  const matches = Object.keys(entries).filter((id) => id.startsWith(prefix));
  const exact = matches.filter((id) => /^([0-9A-F]{8})?$/.test(id.slice(prefix.length)));
  const chosen = exact.length === 1 ? exact : matches;
  if (chosen.length !== 1) {
    const found = chosen.join(', ') || 'none';
    throw new Error(`expected one ${kind} whose logical id starts with ${prefix}, found: ${found}`);
  }
  return entries[chosen[0] as string] as T;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  description?: string;
}

type Satisfied<T> = Exclude<Awaited<T>, false | null | undefined>;

/**
 * Polls `check` until it returns something other than false/null/undefined, and returns that.
 * A throwing check counts as not yet satisfied; its last error ends up in the timeout message.
 */
export async function waitFor<T>(check: () => T, options: WaitForOptions = {}): Promise<Satisfied<T>> {
  const { timeoutMs = 10_000, intervalMs = 100, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== false && result !== null && result !== undefined) return result as Satisfied<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const message = lastError instanceof Error ? lastError.message : String(lastError);
  const cause = lastError === undefined ? '' : `; last error: ${message}`;
  throw new Error(`waitFor timed out after ${timeoutMs}ms waiting for ${description}${cause}`);
}

export interface CapturedLogs {
  text(): string;
  stop(): void;
}

const ConsoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

/**
 * Records everything written to stdout and stderr, still letting it through. Powertools' logger
 * writes to the process streams, but vitest reroutes the global console elsewhere, so console
 * calls are recorded too.
 */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const restorers = [
    ...[process.stdout, process.stderr].map((stream) => wrapStreamWrite(stream, chunks)),
    ...ConsoleMethods.map((method) => wrapConsoleMethod(method, chunks)),
  ];
  return {
    text: () => chunks.join(''),
    stop: () => {
      for (const restore of restorers) restore();
    },
  };
}

function wrapStreamWrite(stream: NodeJS.WriteStream, chunks: string[]): () => void {
  const original = stream.write;
  stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof stream.write;
  return () => {
    stream.write = original;
  };
}

function wrapConsoleMethod(method: (typeof ConsoleMethods)[number], chunks: string[]): () => void {
  const original = console[method];
  console[method] = (...args: unknown[]) => {
    chunks.push(`${format(...args)}\n`);
    original.apply(console, args);
  };
  return () => {
    console[method] = original;
  };
}
