import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { stakeholderEmails } from '../e2e/support/stakeholder-emails.ts';
import type { StoredEmail } from '../support/inbox.ts';
import { waitForQuiescence } from '../support/quiescence.ts';
import { bookChecks, type CheckResult } from './books.ts';
import { type DeadLetterFigures, deadLetterRoutes, redriveDeadLetters } from './dead-letters.ts';
import { ChaosClient, type DrivenCase, driveCase, type Programme } from './driver.ts';

/*
 * The chaos run (issue 17): the local stack on the real template, its own emulators with their state
 * on disk, a few hundred CARE and TACT cases driven through their lifecycle with a payment each while
 * a share of all invocations fail (half before their effect, half after), every stream batch, event
 * and queue batch is delivered twice, and each emulator is restarted once half-way; then the faults
 * are turned off, every dead-letter queue is redriven until none holds anything, and once the stack
 * has settled the books are checked (books.ts).
 */

export interface ChaosOptions {
  cdkOutDir: string;
  cases: number;
  concurrency: number;
  seed: number;
  /** Share of invocations failed, half before their effect and half after. */
  failShare: number;
  /** How long each emulator stays down when it is restarted. */
  downForMs?: number;
  platformTimeoutMs?: number;
  settleTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  figures: string[];
  checks: CheckResult[];
  breaches: string[];
}

const Emulators = ['dynamodb', 'sqs', 'ses', 'kms', 'events'] as const;
const RedriveRounds = 4;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const stateDir = mkdtempSync(join(tmpdir(), 'trm-chaos-'));
  let warnings = 0;
  const stack = await startLocalStack({ cdkOutDir: options.cdkOutDir, port: 0, stateDir, fresh: true, onWarning: () => (warnings += 1) });
  const emails = await stakeholderEmails(stack);
  try {
    await stack.warmed();
    const started = Date.now();
    const control = controlOf(stack);
    await control('PUT', '/faults', {
      failBefore: { '*': options.failShare / 2 },
      failAfter: { '*': options.failShare / 2 },
      duplicate: { streams: true, events: true, queues: true },
      seed: options.seed,
    });
    log(`faults on: ${options.failShare * 100}% of invocations fail, every delivery doubled, seed ${options.seed}`);

    const client = new ChaosClient(stack.apiUrl, stack.partners);
    const programmes: Programme[] = Array.from({ length: options.cases }, (_, index) => (index % 2 === 0 ? 'TACT' : 'CARE'));
    const cases: DrivenCase[] = [];
    const restarts: string[] = [];
    const breaches: string[] = [];
    let restarting: Promise<void> | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < programmes.length; index = next++) {
        // Half-way through, each emulator once, one after another, while the cases go on.
        if (index === Math.floor(programmes.length / 2))
          restarting ??= restartEach(control, options.downForMs ?? 3_000, restarts, breaches, log);
        const driven = await driveCase(client, programmes[index]!, index, { platformTimeoutMs: options.platformTimeoutMs ?? 900_000 });
        cases.push(driven);
        log(
          `case ${cases.length}/${programmes.length}: ${driven.programme} ${driven.reference ?? ''} ${driven.failure === undefined ? 'closed' : `FAILED: ${driven.failure}`}`
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, programmes.length) }, worker));
    await restarting;
    const driven = Date.now();
    const injected = (await control('GET', '/faults')).injected as { totals: Record<string, number>; duplicate: Record<string, number> };
    await control('DELETE', '/faults');
    log('faults off; waiting for the stack to settle');

    const settle = () =>
      waitForQuiescence(stack, { timeoutMs: options.settleTimeoutMs ?? 1_200_000, quietMs: 10_000, onProgress: throttled(log, 30_000) });
    await settle();
    const routes = deadLetterRoutes(stack);
    const deadLetters = new Map<string, DeadLetterFigures>();
    for (let round = 0; round < RedriveRounds; round += 1) {
      const moved = await redriveDeadLetters(stack, routes, deadLetters);
      log(`redrive round ${round + 1}: ${moved} messages moved back`);
      if (moved === 0) break;
      await settle();
    }
    const settled = Date.now();

    const inbox = ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails;
    const today = new Date().toISOString().slice(0, 10);
    const checks: CheckResult[] = [];
    for (const check of bookChecks) {
      checks.push(await check({ stack, client, cases, emails, inbox, deadLetters: [...deadLetters.values()], today }));
    }
    const failedInvocations = stack.invocations.filter((record) => record.outcome !== 'ok').length;
    const figures = [
      `${options.cases} cases, ${options.concurrency} at a time, seed ${options.seed}: driven in ${seconds(driven - started)}, settled and redriven in ${seconds(settled - driven)}`,
      `API: ${client.traffic.requests} requests, ${client.traffic.retried} sent again; by status ${JSON.stringify(client.traffic.byStatus)}`,
      `invocations: ${stack.invocations.length} (the last ${Math.min(stack.invocations.length, 10_000)} kept), ${failedInvocations} failed among them`,
      `injected: ${injected.totals.failBefore} failed before their effect, ${injected.totals.failAfter} after; duplicated ${JSON.stringify(injected.duplicate)}`,
      `restarts: ${restarts.join(', ')}`,
      `warnings of the triggers: ${warnings}`,
    ];
    return { figures, checks, breaches: [...breaches, ...checks.flatMap((check) => check.breaches)] };
  } finally {
    emails.close();
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

type Control = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

function controlOf(stack: LocalStack): Control {
  return async (method, path, body) => {
    const response = await fetch(`${stack.controlUrl}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  };
}

async function restartEach(
  control: Control,
  downForMs: number,
  restarts: string[],
  breaches: string[],
  log: (line: string) => void
): Promise<void> {
  for (const name of Emulators) {
    try {
      const { restartedInMs } = await control('POST', `/emulators/${name}/restart?downForMs=${downForMs}`);
      restarts.push(`${name} ${seconds(Number(restartedInMs))}`);
      log(`restarted ${name}: back after ${seconds(Number(restartedInMs))}`);
    } catch (error) {
      breaches.push(`restart of ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Let the stack work a while between two outages.
    await delay(downForMs);
  }
}

function throttled(log: (line: string) => void, everyMs: number): (line: string) => void {
  let last = 0;
  return (line) => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    log(`  ${line}`);
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
