import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalEndpoints } from './emulators.ts';
import { type FaultInjector, invokeWithFaults } from './faults.ts';
import type { FunctionSpec } from './functions.ts';
import { workerEnvironment } from './lambda-environment.ts';
import type { InvokeMessage, WorkerError, WorkerMessage } from './lambda-protocol.ts';

const WorkerScript = fileURLToPath(new URL('./lambda-worker.ts', import.meta.url));
/** Lambda gives the init phase 10 seconds whatever the function's timeout. */
const InitTimeoutMs = 10_000;

export type InvocationOutcome = 'ok' | 'error' | 'timeout' | 'crash';

export interface InvokeResult {
  requestId: string;
  outcome: InvocationOutcome;
  /** The handler's result, parsed from JSON, when the outcome is ok. */
  payload?: unknown;
  error?: WorkerError;
  durationMs: number;
  /** Waiting for a free environment (all `maxConcurrencyPerFunction` busy), then for its init. */
  queuedMs?: number;
  initWaitMs?: number;
  /** The first invocation its environment served. */
  coldStart?: boolean;
}

/** One console line: what ran, why, how long, how it ended. Never the event or the payload. */
export interface InvocationRecord {
  functionId: string;
  functionName: string;
  trigger: string;
  requestId: string;
  startedAt: number;
  durationMs: number;
  outcome: InvocationOutcome;
  errorType?: string;
  /** What the trigger made of a successful result, e.g. `201` or `1 of 3 failed`. */
  detail?: string;
  /** Before it ran (for `npm run bench`'s breakdown): waiting for an environment, then for its init. */
  queuedMs?: number;
  initWaitMs?: number;
  coldStart?: boolean;
}

export interface InvokeOptions {
  /** Who invoked, for the console: `POST /v1/referrals`, `stream DataCases`, ... */
  trigger: string;
  summarize?: (payload: unknown) => string | undefined;
}

export interface LambdaRuntimeOptions {
  endpoints: LocalEndpoints;
  logDir: string;
  /** Execution environments per function at most; more concurrent invocations wait their turn. */
  maxConcurrencyPerFunction?: number;
  /**
   * Start one environment per function at load (the default, for `npm start`); without it each
   * function's first invocation is a cold start, which is what a test touching a few functions wants.
   */
  warmUp?: boolean;
  onInvocation?: (record: InvocationRecord) => void;
  /** Invocations made to fail before or after their effect, when faults are set (faults.ts). */
  faults?: FaultInjector;
}

/**
 * Runs the template's functions the way Lambda does: each execution environment is its own
 * process holding the function's bundle, environment and limits, serving one invocation at a
 * time; more environments start when invocations overlap, and a crashed or timed-out one is
 * replaced.
 */
export class LambdaRuntime {
  private pools = new Map<string, FunctionPool>();
  private readonly maxConcurrency: number;
  private warming: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LambdaRuntimeOptions) {
    this.maxConcurrency = options.maxConcurrencyPerFunction ?? 4;
    mkdirSync(options.logDir, { recursive: true });
  }

  /**
   * Serves these functions from now on; a reload retires the previous environments once idle. One
   * environment per function is started in the background, a few at a time so that a large
   * template does not starve the machine; an invocation that comes first waits for its init, as
   * a cold start does. With `only`, just those functions get new environments (their code was rebuilt).
   */
  load(specs: FunctionSpec[], only?: readonly string[]): void {
    const queue = specs
      .filter((spec) => only?.includes(spec.logicalId) ?? true)
      .map((spec) => new FunctionPool(spec, this.options, this.poolLimit(spec)));
    const previous = only === undefined ? [...this.pools.values()] : queue.map((pool) => this.pool(pool.spec.logicalId));
    if (only === undefined) this.pools = new Map();
    for (const pool of queue) this.pools.set(pool.spec.logicalId, pool);
    for (const pool of previous) pool.retire();
    if (this.options.warmUp === false) return;
    const warmNext = async (): Promise<void> => {
      for (let pool = queue.shift(); pool !== undefined; pool = queue.shift()) await pool.warm();
    };
    this.warming = Promise.all(Array.from({ length: availableParallelism() }, () => warmNext()));
  }

  /** Resolves once every function loaded last has its first environment initialized (or failed to). */
  async warmed(): Promise<void> {
    await this.warming;
  }

  private poolLimit(spec: FunctionSpec): number {
    return Math.max(1, Math.min(spec.reservedConcurrency ?? Infinity, this.maxConcurrency));
  }

  spec(logicalId: string): FunctionSpec {
    return this.pool(logicalId).spec;
  }

  specs(): FunctionSpec[] {
    return [...this.pools.values()].map((pool) => pool.spec);
  }

  /** The function an ARN, a name or a logical id designates, as integrations and mappings name them. */
  findFunction(reference: string): FunctionSpec | undefined {
    const name = reference.startsWith('arn:') ? reference.split(':')[6] : reference;
    return this.specs().find((spec) => spec.functionName === name || spec.logicalId === name);
  }

  async invoke(logicalId: string, event: unknown, options: InvokeOptions): Promise<InvokeResult> {
    const pool = this.pool(logicalId);
    const result = await invokeWithFaults(this.options.faults, pool.spec, () => pool.invoke(event));
    // When it ran, not when it was asked for: waiting for a free environment is not its duration.
    const startedAt = Date.now() - result.durationMs;
    const detail = result.outcome === 'ok' ? options.summarize?.(result.payload) : undefined;
    this.options.onInvocation?.({
      functionId: logicalId,
      functionName: pool.spec.functionName,
      trigger: options.trigger,
      requestId: result.requestId,
      startedAt,
      durationMs: result.durationMs,
      outcome: result.outcome,
      ...(result.error === undefined ? {} : { errorType: result.error.errorType }),
      ...(detail === undefined ? {} : { detail }),
      ...(result.queuedMs === undefined ? {} : { queuedMs: result.queuedMs }),
      ...(result.initWaitMs === undefined ? {} : { initWaitMs: result.initWaitMs }),
      ...(result.coldStart === undefined ? {} : { coldStart: result.coldStart }),
    });
    return result;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.stop()));
    this.pools.clear();
  }

  private pool(logicalId: string): FunctionPool {
    const pool = this.pools.get(logicalId);
    if (pool === undefined) throw new Error(`no function ${logicalId} in the template`);
    return pool;
  }
}

class FunctionPool {
  private readonly workers = new Set<Worker>();
  private readonly waiting: Array<{ resolve: (worker: Worker) => void; reject: (error: Error) => void }> = [];
  private retired = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly options: LambdaRuntimeOptions,
    private readonly limit: number
  ) {}

  /** A fresh environment, idle once its init is done; an invocation may take it before that. */
  async warm(): Promise<void> {
    if (this.retired || this.workers.size > 0) return;
    await this.spawn().ready;
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const asked = performance.now();
    const worker = await this.acquire();
    const initStarted = performance.now();
    const init = await worker.ready;
    const queued = { queuedMs: initStarted - asked, initWaitMs: performance.now() - initStarted, coldStart: worker.invocations === 0 };
    if (init !== undefined) {
      this.discard(worker);
      return { requestId, outcome: 'error', error: init, durationMs: performance.now() - initStarted, ...queued };
    }
    worker.invocations += 1;
    const result = await worker.invoke(requestId, event, this.spec.timeoutSeconds * 1000);
    if (worker.isAlive()) this.release(worker);
    else this.discard(worker);
    return { ...result, ...queued };
  }

  retire(): void {
    this.retired = true;
    for (const worker of this.workers) if (worker.isIdle()) this.discard(worker);
  }

  async stop(): Promise<void> {
    this.retired = true;
    for (const { reject } of this.waiting.splice(0)) reject(new Error(`${this.spec.functionName}: the local stack stopped`));
    await Promise.all([...this.workers].map((worker) => worker.kill()));
    this.workers.clear();
  }

  private async acquire(): Promise<Worker> {
    const idle = [...this.workers].find((worker) => worker.isIdle());
    if (idle !== undefined) {
      idle.busy = true;
      return idle;
    }
    if (this.workers.size < this.limit) {
      const worker = this.spawn();
      worker.busy = true;
      return worker;
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Invocations queued before a reload still run, on the code they were queued for. */
  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      worker.busy = true;
      next.resolve(worker);
    } else if (this.retired) {
      this.discard(worker);
    } else {
      worker.busy = false;
    }
  }

  /** A dead environment makes room: a waiting invocation gets a fresh one. */
  private discard(worker: Worker): void {
    this.workers.delete(worker);
    void worker.kill();
    const next = this.waiting.shift();
    if (next !== undefined) {
      const replacement = this.spawn();
      replacement.busy = true;
      next.resolve(replacement);
    } else if (!this.retired && this.workers.size === 0 && worker.initialized) {
      // Keep one environment warm, as the one that died was (a bundle that cannot init is not retried).
      void this.warm();
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.spec, this.options, () => this.workers.delete(worker));
    this.workers.add(worker);
    return worker;
  }
}

class Worker {
  busy = false;
  invocations = 0;
  /** Its init succeeded. */
  initialized = false;
  /** Resolves with undefined once the bundle is loaded, or with the init error. */
  readonly ready: Promise<WorkerError | undefined>;
  private readonly child: ChildProcess;
  private exited = false;
  private readonly exit: Promise<void>;
  private current: { requestId: string; settle: (message: WorkerMessage | { type: 'exit' }) => void } | undefined;

  constructor(
    private readonly spec: FunctionSpec,
    options: LambdaRuntimeOptions,
    onExit: () => void
  ) {
    const log = openSync(join(options.logDir, `${spec.functionName}.log`), 'a');
    this.child = fork(WorkerScript, [spec.handlerFile, spec.handlerExport], {
      cwd: spec.codeDir,
      env: workerEnvironment(spec, options.endpoints),
      execArgv: [`--max-old-space-size=${spec.memoryMb}`],
      stdio: ['ignore', log, log, 'ipc'],
      serialization: 'json',
    });
    closeSync(log);
    this.exit = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.exited = true;
        this.current?.settle({ type: 'exit' });
        onExit();
        resolve();
      });
    });
    this.ready = new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(runtimeError('Runtime.InitTimeout', `init did not finish within ${InitTimeoutMs / 1000} seconds`));
        void this.kill();
      }, InitTimeoutMs);
      const settle = (error: WorkerError | undefined): void => {
        clearTimeout(timer);
        resolve(error);
      };
      this.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.initialized = true;
          settle(undefined);
        } else if (message.type === 'init-error') settle(message.error);
        else if ((message.type === 'result' || message.type === 'error') && message.requestId === this.current?.requestId) {
          this.current.settle(message);
        }
      });
      this.child.once('error', (error) => settle(runtimeError('Runtime.ExitError', error.message)));
      void this.exit.then(() => settle(runtimeError('Runtime.ExitError', 'the runtime exited during init')));
    });
  }

  isAlive(): boolean {
    return !this.exited;
  }

  isIdle(): boolean {
    return !this.busy && !this.exited;
  }

  async invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvokeResult> {
    const started = performance.now();
    const deadlineMs = Date.now() + timeoutMs;
    if (this.exited) {
      return { requestId, outcome: 'crash', error: runtimeError('Runtime.ExitError', 'Runtime exited'), durationMs: 0 };
    }
    const reply = await new Promise<WorkerMessage | { type: 'exit' } | { type: 'timeout' }>((resolve) => {
      const timer = setTimeout(() => resolve({ type: 'timeout' }), timeoutMs);
      this.current = {
        requestId,
        settle: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const message: InvokeMessage = {
        type: 'invoke',
        requestId,
        invokedFunctionArn: this.spec.arn,
        event,
        deadlineMs,
        traceId: traceId(),
      };
      this.child.send(message);
    });
    this.current = undefined;
    const durationMs = performance.now() - started;
    switch (reply.type) {
      case 'result':
        return { requestId, outcome: 'ok', payload: JSON.parse(reply.payload) as unknown, durationMs };
      case 'error':
        return { requestId, outcome: 'error', error: reply.error, durationMs };
      case 'timeout':
        // Lambda freezes and discards a sandbox whose invocation timed out.
        await this.kill();
        return {
          requestId,
          outcome: 'timeout',
          error: runtimeError('Sandbox.Timedout', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`),
          durationMs,
        };
      default:
        return {
          requestId,
          outcome: 'crash',
          error: runtimeError('Runtime.ExitError', `Runtime exited with code ${this.child.exitCode ?? this.child.signalCode}`),
          durationMs,
        };
    }
  }

  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }
}

function runtimeError(errorType: string, errorMessage: string): WorkerError {
  return { errorType, errorMessage, stackTrace: [] };
}

function traceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}
