import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startEmulators, type LocalEndpoints } from '../../infra/local/emulators.ts';
import { provisionResources, resolveFunctionEnvironment } from '../../infra/local/provision.ts';
import {
  loadStackTemplate,
  locateStackTemplate,
  type CfnTemplate,
  type ResourceContext,
} from '../../infra/local/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: LocalEndpoints;
    /** GET it for `{ emails: [...] }`, everything SES received. */
    inboxUrl: string;
    /** What each provisioned table and queue resolves to, by logical id. */
    resources: ResourceContext;
    /** Resolved `Environment.Variables` of every Lambda function, by logical id. */
    functionEnvironments: Record<string, Record<string, string>>;
    templatePath: string;
  }
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CDK_OUT = 'cdk.out.test';
const SYNTH_TIMEOUT_MS = 300_000;

/** Synthesizes the real app, and provisions its tables and queues in fresh emulators. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await synthesize();
  const cdkOutDir = join(REPO_ROOT, CDK_OUT);
  const { stackName, templatePath } = locateStackTemplate(cdkOutDir);
  const template = loadStackTemplate(cdkOutDir, stackName);
  const emulators = await startEmulators();
  try {
    const resources = await provisionResources(template, emulators.endpoints, { stackName });
    project.provide('endpoints', emulators.endpoints);
    project.provide('inboxUrl', emulators.inboxUrl);
    project.provide('resources', resources);
    project.provide('functionEnvironments', functionEnvironments(template, resources, stackName));
    project.provide('templatePath', templatePath);
  } catch (error) {
    await emulators.stop();
    throw error;
  }
  return () => emulators.stop();
}

function functionEnvironments(
  template: CfnTemplate,
  resources: ResourceContext,
  stackName: string,
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => [id, resolveFunctionEnvironment(template, id, resources, { stackName })]),
  );
}

/**
 * Runs the CDK CLI like a developer would, so the tests see exactly the template that deploys.
 * Its output goes to a log file; a failure shows the end of it.
 */
async function synthesize(): Promise<void> {
  const logDir = join(REPO_ROOT, '.local', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'cdk-synth.log');
  const log = openSync(logPath, 'w');
  const binDir = join(REPO_ROOT, 'node_modules', '.bin');
  // The app runs through `npx tsx`: make it use this Node and the project's binaries.
  const path = [dirname(process.execPath), binDir, process.env['PATH'] ?? ''].join(delimiter);
  const child = spawn(join(binDir, 'cdk'), ['synth', '--quiet', '--no-notices', '-o', CDK_OUT], {
    cwd: REPO_ROOT,
    env: { ...process.env, PATH: path },
    // Its own process group, so ending it also ends the app process the CLI started.
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const killSynth = (): void => killGroup(child.pid);
  const timer = setTimeout(killSynth, SYNTH_TIMEOUT_MS);
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
    const reason =
      signal === 'SIGKILL' ? `timed out after ${SYNTH_TIMEOUT_MS}ms` : `exit code ${code}, signal ${signal}`;
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
