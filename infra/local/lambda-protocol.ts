/** Messages between the local stack and a function's worker process (lambda-worker.ts). */

export interface InvokeMessage {
  type: 'invoke';
  requestId: string;
  invokedFunctionArn: string;
  event: unknown;
  /** Epoch milliseconds at which the invocation times out. */
  deadlineMs: number;
  traceId: string;
}

export interface WorkerError {
  errorType: string;
  errorMessage: string;
  stackTrace: string[];
}

export type WorkerMessage =
  | { type: 'ready'; initDurationMs: number }
  | { type: 'init-error'; error: WorkerError }
  | { type: 'result'; requestId: string; durationMs: number; payload: string }
  | { type: 'error'; requestId: string; durationMs: number; error: WorkerError };
