import type { CheckpointStore } from './checkpoints.ts';
import type { FaultInjector } from './faults.ts';
import type { LambdaRuntime } from './lambda-runtime.ts';

/** What a stream or queue event source mapping needs from the local stack. */
export interface MappingDependencies {
  runtime: LambdaRuntime;
  endpoints: { dynamodb: string; sqs: string };
  checkpoints: CheckpointStore;
  /** Time as the mappings see it (record age); tests move it forward. */
  clock: () => number;
  /** First retry waits this long, doubling per retry up to 5 s. */
  retryBaseDelayMs: number;
  pollIntervalMs: number;
  /** Something went wrong outside an invocation (e.g. the emulator refused a call). */
  warn: (message: string) => void;
  /** Deliveries made twice, when faults are set (faults.ts). */
  faults?: FaultInjector;
}
