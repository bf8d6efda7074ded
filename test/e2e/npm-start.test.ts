import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { repoRoot } from '../../infra/local/synth.ts';
import { waitFor } from '../support/harness.ts';

/*
 * `npm start` as a developer runs it (the same script, through tsx), with its state in a temporary
 * directory: --fresh starts without what the directory held, stack.json appears once it serves,
 * Ctrl-C stops every process it started, and the data and demo keys survive a restart.
 */
interface StackJson {
  apiUrl: string;
  inboxUrl: string;
  controlUrl: string;
  partners: Array<{ id: string; roles: string[]; key: string }>;
}

const stateDir = mkdtempSync(join(tmpdir(), 'trm-npm-start-'));
const stackJsonPath = join(stateDir, 'stack.json');
const running = new Set<ChildProcess>();
/** The banner's last line. */
const BannerEnd = 'One line per invocation below';

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

async function npmStart(...flags: string[]): Promise<{ child: ChildProcess; stack: StackJson; output: () => string }> {
  let output = '';
  // What `npm start` runs, on this Node (the project's), whatever node comes first on the PATH.
  // tsx is a loader inside this process, not a relaying parent: tsx's CLI kills a child that does
  // not acknowledge a Ctrl-C within ~30 ms, which made the stop exit 130 on a loaded machine.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'infra/local/start.ts',
      '--no-watch',
      '--state-dir',
      stateDir,
      '--cdk-out',
      relative(repoRoot, inject('e2eCdkOut')),
      ...flags,
    ],
    { cwd: repoRoot, env: { ...process.env, PORT: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  running.add(child);
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => existsSync(stackJsonPath) || child.exitCode !== null, { timeoutMs: 90_000, description: 'stack.json' });
  if (!existsSync(stackJsonPath)) throw new Error(`npm start exited: ${output}`);
  // stack.json appears as soon as the stack serves, before the banner is printed.
  await waitFor(() => output.includes(BannerEnd) || child.exitCode !== null, { description: 'the banner' });
  return { child, stack: JSON.parse(readFileSync(stackJsonPath, 'utf8')) as StackJson, output: () => output };
}

async function interrupt(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  const code = await exited;
  running.delete(child);
  return code;
}

const reachable = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false
  );

const referrerKey = (stack: StackJson) => stack.partners.find((partner) => partner.id === 'demo-referrer-fr')!.key;

describe('npm start', () => {
  let firstKey: string;
  let caseId: string;

  it('starts empty with --fresh, writes stack.json once it serves, and prints the way in', async () => {
    // What an earlier run left: --fresh must not reuse it.
    const staleKey = `trm_${'s'.repeat(43)}`;
    writeFileSync(
      join(stateDir, 'demo-partner-keys.json'),
      JSON.stringify({ 'demo-referrer-fr': { key: staleKey, keyCreatedAt: new Date().toISOString() } })
    );
    const { child, stack, output } = await npmStart('--fresh');
    expect(referrerKey(stack)).not.toBe(staleKey);
    expect(stack.partners.map((partner) => partner.id)).toContain('demo-referrer-fr');
    expect(output()).toContain('Local stack ready');
    expect(output()).toContain(stack.apiUrl);
    expect(output()).toContain(stack.inboxUrl);
    expect(output()).toContain(referrerKey(stack));
    expect(await reachable(stack.inboxUrl)).toBe(true);

    firstKey = referrerKey(stack);
    const created = await fetch(`${stack.apiUrl}/v1/referrals`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${firstKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
      body: JSON.stringify(tactReferral()),
    });
    expect(created.status).toBe(201);
    caseId = ((await created.json()) as { id: string }).id;
    await waitFor(() => output().includes('POST /v1/referrals'), { description: 'the invocation line' });

    expect(await interrupt(child)).toBe(0);
    // Every child went with it: the emulators, the API, the control endpoint; stack.json too.
    expect(existsSync(stackJsonPath)).toBe(false);
    for (const url of [stack.apiUrl, stack.inboxUrl, stack.controlUrl]) expect(await reachable(url)).toBe(false);
  });

  it('keeps the data and the demo keys across a restart, and leaves no emulator behind when killed', async () => {
    const { child, stack } = await npmStart();
    expect(referrerKey(stack)).toBe(firstKey);
    const read = await fetch(`${stack.apiUrl}/v1/referrals/${caseId}`, { headers: { Authorization: `Bearer ${firstKey}` } });
    expect(read.status).toBe(200);
    expect(await reachable(stack.inboxUrl)).toBe(true);

    // SIGKILL runs none of its handlers: what a test runner giving up on a worker does.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    running.delete(child);
    // The SES emulator is a detached process of its own, like DynamoDB Local and fauxqs.
    await waitFor(async () => !(await reachable(stack.inboxUrl)), { timeoutMs: 10_000, description: 'the emulators to end' });
  });
});
