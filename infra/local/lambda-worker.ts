/*
 * One Lambda execution environment: a long-lived Node process that imports a function's bundle
 * once (the init phase) and then runs one invocation at a time, sent by the local stack over IPC.
 * It runs with Node's own type stripping, so it imports nothing but Node built-ins; the parent
 * enforces the timeout by ending the process, as Lambda ends a sandbox.
 *
 * argv: <module file> <export name>; the environment is the function's, set by the parent.
 */
import { pathToFileURL } from 'node:url';
import type { InvokeMessage, WorkerError, WorkerMessage } from './lambda-protocol.ts';

type Handler = (event: unknown, context: unknown) => unknown;

const [, , moduleFile, exportName] = process.argv as [string, string, string, string];
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'local';
const memoryLimitInMB = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128';

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

function toWorkerError(error: unknown, fallbackType: string): WorkerError {
  if (error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      stackTrace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: fallbackType, errorMessage: String(error), stackTrace: [] };
}

async function init(): Promise<Handler | undefined> {
  const started = performance.now();
  try {
    const loaded = (await import(pathToFileURL(moduleFile).href)) as Record<string, unknown>;
    const handler = exportName.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], loaded);
    if (typeof handler !== 'function') {
      send({
        type: 'init-error',
        error: {
          errorType: 'Runtime.HandlerNotFound',
          errorMessage: `${moduleFile} does not export a function named ${exportName}`,
          stackTrace: [],
        },
      });
      return undefined;
    }
    send({ type: 'ready', initDurationMs: performance.now() - started });
    return handler as Handler;
  } catch (error) {
    process.stderr.write(`INIT_ERROR ${JSON.stringify(toWorkerError(error, 'Runtime.ImportModuleError'))}\n`);
    send({ type: 'init-error', error: toWorkerError(error, 'Runtime.ImportModuleError') });
    return undefined;
  }
}

function lambdaContext(message: InvokeMessage): Record<string, unknown> {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
}

/** Lambda sends the handler's result as JSON: whatever does not survive JSON.stringify is lost. */
function serialize(result: unknown): string {
  return JSON.stringify(result === undefined ? null : result);
}

async function run(handler: Handler, message: InvokeMessage): Promise<void> {
  process.env._X_AMZN_TRACE_ID = message.traceId;
  process.stdout.write(`START RequestId: ${message.requestId} Version: $LATEST\n`);
  const started = performance.now();
  let reply: WorkerMessage;
  try {
    const result = await handler(message.event, lambdaContext(message));
    reply = { type: 'result', requestId: message.requestId, durationMs: performance.now() - started, payload: serialize(result) };
  } catch (error) {
    const workerError = toWorkerError(error, 'Error');
    process.stderr.write(`${new Date().toISOString()}\t${message.requestId}\tERROR\tInvoke Error\t${JSON.stringify(workerError)}\n`);
    reply = { type: 'error', requestId: message.requestId, durationMs: performance.now() - started, error: workerError };
  }
  const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  process.stdout.write(`END RequestId: ${message.requestId}\n`);
  process.stdout.write(
    `REPORT RequestId: ${message.requestId}\tDuration: ${reply.durationMs.toFixed(2)} ms\tMemory Size: ${memoryLimitInMB} MB\tMax Memory Used: ${rssMb} MB\n`
  );
  send(reply);
}

const handler = await init();
if (handler === undefined) {
  process.exitCode = 1;
  process.disconnect?.();
} else {
  process.on('message', (message: InvokeMessage) => {
    if (message.type === 'invoke') void run(handler, message);
  });
  // Without the parent there is nobody to serve.
  process.on('disconnect', () => process.exit(0));
}
