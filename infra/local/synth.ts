import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What the CDK app is made of, as cdk.json's `watch` settings say: the app, its constructs, the
 * functions it bundles and the contracts they import. The local stack itself is not part of the app.
 */
export const appSources = ['infra', 'functions', 'events'] as const;
const AppFiles = ['cdk.json', 'package-lock.json'];
const NotAppSources = [join('infra', 'local')];

const SynthTimeoutMs = 300_000;
const LockWaitMs = SynthTimeoutMs + 30_000;

export interface SynthesizeOptions {
  /** Output directory, relative to the repository root (`cdk.out` for `npm start`). */
  outDir: string;
  /** Synthesize even when the output is newer than every source. */
  force?: boolean;
  logPath?: string;
}

export interface SynthesisResult {
  cdkOutDir: string;
  /** False when an up-to-date cloud assembly was reused. */
  synthesized: boolean;
  durationMs: number;
}

/**
 * Runs `cdk synth` like a developer would, unless the cloud assembly in `outDir` is newer than
 * every source of the app. Concurrent callers (two vitest projects, `npm start` beside a test run)
 * take turns through a lock directory, so the second one finds the output fresh and reuses it.
 */
export async function synthesize(options: SynthesizeOptions): Promise<SynthesisResult> {
  const started = Date.now();
  const cdkOutDir = join(repoRoot, options.outDir);
  const release = await acquireLock(`${cdkOutDir}.lock`);
  try {
    if (options.force !== true && isCloudAssemblyFresh(cdkOutDir)) {
      return { cdkOutDir, synthesized: false, durationMs: Date.now() - started };
    }
    const synthStarted = new Date();
    await runCdkSynth(options.outDir, options.logPath ?? join(repoRoot, '.local', 'logs', 'cdk-synth.log'));
    // A source saved while the app was being synthesized must make the output stale.
    utimesSync(join(cdkOutDir, 'manifest.json'), synthStarted, synthStarted);
    return { cdkOutDir, synthesized: true, durationMs: Date.now() - started };
  } finally {
    release();
  }
}

/** The assembly's manifest is newer than every file of the app's sources. */
export function isCloudAssemblyFresh(cdkOutDir: string): boolean {
  const manifest = join(cdkOutDir, 'manifest.json');
  if (!existsSync(manifest)) return false;
  const builtAt = statSync(manifest).mtimeMs;
  return newestSourceMtime() < builtAt;
}

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string): void => {
    if (NotAppSources.includes(relative(repoRoot, path))) return;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const source of [...appSources, ...AppFiles]) {
    const path = join(repoRoot, source);
    if (existsSync(path)) visit(path);
  }
  return newest;
}

/** Its output goes to a log file; a failure shows the end of it. */
async function runCdkSynth(outDir: string, logPath: string): Promise<void> {
  mkdirSync(dirname(logPath), { recursive: true });
  const log = openSync(logPath, 'w');
  const binDir = join(repoRoot, 'node_modules', '.bin');
  // The app runs as `node --import tsx` (cdk.json): make it use this Node and the project's binaries.
  const path = [dirname(process.execPath), binDir, process.env.PATH ?? ''].join(delimiter);
  const child = spawn(join(binDir, 'cdk'), ['synth', '--quiet', '--no-notices', '-o', outDir], {
    cwd: repoRoot,
    env: { ...process.env, PATH: path },
    // Its own process group, so ending it also ends the app process the CLI started.
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const killSynth = (): void => killGroup(child.pid);
  const timer = setTimeout(killSynth, SynthTimeoutMs);
  // An interrupted run must not leave a detached synthesis behind.
  process.once('exit', killSynth);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  }).finally(() => {
    clearTimeout(timer);
    process.off('exit', killSynth);
  });
  if (code !== 0) {
    const tail = readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    const reason = signal === 'SIGKILL' ? `timed out after ${SynthTimeoutMs}ms` : `exit code ${code}, signal ${signal}`;
    throw new Error(`cdk synth failed (${reason}); last lines of ${logPath}:\n${tail}`);
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** mkdir is atomic: whoever creates the directory holds the lock. A dead holder's lock is taken over. */
async function acquireLock(lockDir: string): Promise<() => void> {
  const deadline = Date.now() + LockWaitMs;
  mkdirSync(dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!isHolderAlive(lockDir)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another cdk synth still holds ${lockDir}`);
    await delay(200);
  }
}

function isHolderAlive(lockDir: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
  } catch {
    // The holder has created the directory but not yet written its pid.
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The files of this repository the CDK app itself imports (absolute paths): a change to one of
 * them may change the template, so it needs a synth, where a change to a file only the functions'
 * bundles include needs just those bundles rebuilt.
 */
export async function appModuleFiles(): Promise<Set<string>> {
  const { metafile } = await build({
    entryPoints: [join(repoRoot, 'infra', 'app.ts')],
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return new Set(Object.keys(metafile.inputs).map((input) => resolve(repoRoot, input)));
}
