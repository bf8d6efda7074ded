/*
 * Section 1's reload figures: `cdk synth` after a one-line change in a function's entry file and
 * in a file of functions/commons/ many functions share, and a save to the first request answered
 * by the new code while `npm start` watches. Each edits a source for the measurement and puts it
 * back as it was.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { endedChildrenCpu } from './bench-cpu.ts';
import { repoRoot, synthesize } from './synth.ts';

const HealthSource = join(repoRoot, 'functions', 'health.ts');
/** Included by most of the API's functions: a change to it rebuilds all of their bundles. */
const SharedSource = join(repoRoot, 'functions', 'commons', 'http.ts');
const HealthAnswer = "json(200, { status: 'ok' })";
const ReloadTimeoutMs = 120_000;
// Start-up may include a synth of a stale assembly, within synth.ts's own limit.
const StartTimeoutMs = 420_000;
const PollMs = 20;
const Saves = 3;

/** Runs `measure` with the health check answering `token` too; the file is restored afterwards. */
async function withHealthAnswering<T>(token: string, measure: () => Promise<T>): Promise<T> {
  const original = readFileSync(HealthSource, 'utf8');
  if (!original.includes(HealthAnswer)) throw new Error(`functions/health.ts no longer answers ${HealthAnswer}`);
  writeFileSync(HealthSource, original.replace(HealthAnswer, `json(200, { status: 'ok', bench: '${token}' })`));
  try {
    return await measure();
  } finally {
    writeFileSync(HealthSource, original);
  }
}

export interface SynthTime {
  durationMs: number;
  /** What the synth's processes used: unlike the wall time, it hardly grows on a busy machine. */
  cpuSeconds: number;
  /** The one-minute load average as the synth started: the wall time depends on it. */
  load: number;
}

/** A synth into `outDir`, timed, with the CPU its processes used. */
export async function timedSynth(options: { outDir: string; force?: boolean }): Promise<SynthTime> {
  const cpuBefore = endedChildrenCpu();
  const [load = 0] = loadavg();
  const { durationMs } = await synthesize(options);
  return { durationMs, cpuSeconds: endedChildrenCpu() - cpuBefore, load };
}

/** The synth of an up-to-date assembly in `outDir` after a one-line change in a function's entry file. */
export async function measureSynthAfterChange(outDir: string): Promise<SynthTime> {
  await synthesize({ outDir });
  return withHealthAnswering(`synth-${Date.now()}`, () => timedSynth({ outDir }));
}

/**
 * The synth of an up-to-date assembly in `outDir` after a one-line change in functions/commons/http.ts:
 * a top-level statement, so every bundle that includes the file changes, as a real edit would.
 */
export async function measureSynthAfterSharedChange(outDir: string): Promise<SynthTime> {
  await synthesize({ outDir });
  const original = readFileSync(SharedSource, 'utf8');
  writeFileSync(SharedSource, `${original}\n(globalThis as Record<string, unknown>).trmBench = 'synth-${Date.now()}';\n`);
  try {
    return await timedSynth({ outDir });
  } finally {
    writeFileSync(SharedSource, original);
  }
}

/**
 * Runs the real `npm start` on `cdkOutDir`, saves a change to the health function and times the
 * save to the first health check answered by the new code, a few times; after each, waits for the
 * restored file to serve again, so the assembly is left with the code its hashes name.
 */
export async function measureReloadOnSave(cdkOutDir: string): Promise<number[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'trm-bench-reload-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/local/start.ts', '--fresh', '--state-dir', stateDir, '--cdk-out', relative(repoRoot, cdkOutDir)],
    { cwd: repoRoot, env: { ...process.env, PORT: '0', NO_COLOR: '1' }, stdio: 'ignore' }
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const health = await healthUrl(join(stateDir, 'stack.json'), () => child.exitCode !== null);
    await answered(health, (body) => body.includes('"ok"'));
    const times: number[] = [];
    for (let save = 0; save < Saves; save += 1) {
      const token = `reload-${Date.now()}`;
      times.push(
        await withHealthAnswering(token, async () => {
          const saved = performance.now();
          await answered(health, (body) => body.includes(token));
          return performance.now() - saved;
        })
      );
      await answered(health, (body) => !body.includes(token));
    }
    return times;
  } finally {
    child.kill('SIGINT');
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function healthUrl(stackJson: string, hasExited: () => boolean): Promise<string> {
  for (const deadline = Date.now() + StartTimeoutMs; Date.now() < deadline; await delay(PollMs)) {
    if (hasExited()) throw new Error('npm start exited before it was ready');
    if (existsSync(stackJson)) return `${(JSON.parse(readFileSync(stackJson, 'utf8')) as { apiUrl: string }).apiUrl}/v1/health`;
  }
  throw new Error(`npm start was not ready within ${StartTimeoutMs / 1000} s`);
}

async function answered(url: string, matches: (body: string) => boolean): Promise<void> {
  for (const deadline = Date.now() + ReloadTimeoutMs; Date.now() < deadline; await delay(PollMs)) {
    const response = await fetch(url).catch(() => undefined);
    if (response !== undefined && matches(await response.text())) return;
  }
  throw new Error(`${url} did not answer as expected within ${ReloadTimeoutMs / 1000} s`);
}
