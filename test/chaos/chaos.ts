import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { stakeholderEmails } from '../e2e/support/stakeholder-emails.ts';
import type { StoredEmail } from '../support/inbox.ts';
import { waitForQuiescence } from '../support/quiescence.ts';
import { chaosAssembly } from './assembly.ts';
import { bookChecks, type CheckResult } from './books.ts';
import { type DeadLetterFigures, deadLetterRoutes, redriveDeadLetters } from './dead-letters.ts';
import { ChaosClient, type DrivenCase, driveCase, type Programme } from './driver.ts';
import { startChaosWebhookReceiver } from './webhook-receiver.ts';
import { registerEndpoints } from './webhooks.ts';

/*
 * The chaos run (issue 17): the local stack on the real template, its own emulators with their state
 * on disk, a few hundred CARE and TACT cases driven through their lifecycle with a payment each while
 * a share of all invocations fail (half before their effect, half after), every stream batch, event
 * and queue batch is delivered twice, and each emulator is restarted once half-way; then the faults
 * are turned off, every dead-letter queue is redriven until none holds anything, and once the stack
 * has settled the books are checked (books.ts). Every demo partner has a webhook endpoint at the
 * run's receiver (webhooks.ts), registered before the faults begin. The template is the real one,
 * with its webhook schedule and queue visibility timeouts shortened (assembly.ts).
 */

export interface ChaosOptions {
  cdkOutDir: string;
  cases: number;
  concurrency: number;
  seed: number;
  /** Share of invocations failed, half before their effect and half after. */
  failShare: number;
  /** Execution environments per function at most (the local runtime's default is 4). */
  environmentsPerFunction?: number;
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
  const phases: string[] = [];
  let phaseStarted = Date.now();
  const phase = (name: string): void => {
    phases.push(`${name} ${seconds(Date.now() - phaseStarted)}`);
    log(`${name}: ${seconds(Date.now() - phaseStarted)}`);
    phaseStarted = Date.now();
  };
  const stateDir = mkdtempSync(join(tmpdir(), 'trm-chaos-'));
  const assembly = chaosAssembly(options.cdkOutDir);
  const receiver = await startChaosWebhookReceiver();
  let warnings = 0;
  // Counted as they end: the stack keeps the last 10,000 records only.
  let failed = 0;
  const failedBy: Record<string, number> = {};
  const stack = await startLocalStack({
    cdkOutDir: assembly.dir,
    port: 0,
    stateDir,
    fresh: true,
    ...(options.environmentsPerFunction === undefined ? {} : { maxConcurrencyPerFunction: options.environmentsPerFunction }),
    onWarning: () => (warnings += 1),
    onInvocation: (record) => {
      if (record.outcome === 'ok') return;
      failed += 1;
      const kind = record.trigger.split(' ')[0] ?? record.trigger;
      failedBy[kind] = (failedBy[kind] ?? 0) + 1;
    },
  });
  const emails = await stakeholderEmails(stack);
  try {
    phase('stack started');
    await stack.warmed();
    phase('functions warmed');
    const client = new ChaosClient(stack.apiUrl, stack.partners);
    const endpoints = await registerEndpoints(client, stack.partners, receiver);
    log(`webhook endpoints: ${endpoints.map((endpoint) => endpoint.partnerId).join(', ')}`);
    const started = Date.now();
    const control = controlOf(stack);
    await control('PUT', '/faults', {
      failBefore: { '*': options.failShare / 2 },
      failAfter: { '*': options.failShare / 2 },
      duplicate: { streams: true, events: true, queues: true },
      seed: options.seed,
    });
    log(`faults on: ${options.failShare * 100}% of invocations fail, every delivery doubled, seed ${options.seed}`);
    phaseStarted = Date.now();

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
    phase('cases driven');
    const driven = Date.now();
    const injected = (await control('GET', '/faults')).injected as { totals: Record<string, number>; duplicate: Record<string, number> };
    await control('DELETE', '/faults');
    log('faults off; waiting for the stack to settle');
    const settle = () =>
      waitForQuiescence(stack, { timeoutMs: options.settleTimeoutMs ?? 1_200_000, quietMs: 10_000, onProgress: throttled(log, 30_000) });
    await settle();
    phase('settled');
    const routes = deadLetterRoutes(stack);
    const deadLetters = new Map<string, DeadLetterFigures>();
    for (let round = 0; round < RedriveRounds; round += 1) {
      const moved = await redriveDeadLetters(stack, routes, deadLetters);
      log(`redrive round ${round + 1}: ${moved} messages moved back`);
      if (moved === 0) break;
      await settle();
    }
    phase('redriven and settled');
    const finished = Date.now();

    const inbox = ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails;
    const today = new Date().toISOString().slice(0, 10);
    const checks: CheckResult[] = [];
    const webhooks = { receiver, endpoints };
    for (const check of bookChecks) {
      checks.push(await check({ stack, client, cases, emails, inbox, deadLetters: [...deadLetters.values()], today, webhooks }));
    }
    phase('books checked');
    const figures = [
      `${options.cases} cases, ${options.concurrency} at a time, ${options.environmentsPerFunction ?? 4} environments per function, seed ${options.seed}: driven in ${seconds(driven - started)}, settled and redriven in ${seconds(finished - driven)}`,
      `phases: ${phases.join(', ')}`,
      ...caseTimes(cases),
      `API: ${client.traffic.requests} requests, ${client.traffic.retried} sent again, ${client.traffic.reread} reads of the books read again; by status ${JSON.stringify(client.traffic.byStatus)}`,
      `invocations: ${stack.invocationsEnded()}, ${failed} failed (by trigger ${JSON.stringify(failedBy)})`,
      `injected: ${injected.totals.failBefore} failed before their effect, ${injected.totals.failAfter} after; duplicated ${JSON.stringify(injected.duplicate)}`,
      `restarts: ${restarts.join(', ')}`,
      `warnings of the triggers: ${warnings}`,
      mailRecordFigure(join(stateDir, 'logs', 'functions')),
    ];
    return { figures, checks, breaches: [...breaches, ...checks.flatMap((check) => check.breaches)] };
  } finally {
    emails.close();
    await stack.stop();
    await receiver.stop();
    assembly.remove();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * How often the mailer met DynamoDB failing between SES accepting an email and its sent record (the
 * restart falls there now and then): recorded late is the window closed; not recorded is the window
 * left open, where a later copy of the message could send the email again (README "Notifications").
 */
function mailRecordFigure(logDir: string): string {
  const lines = readdirSync(logDir)
    .filter((name) => name.endsWith('.log'))
    .flatMap((name) => readFileSync(join(logDir, name), 'utf8').split('\n'));
  const count = (message: string) => lines.filter((line) => line.includes(`"message":"${message}"`)).length;
  return `sent emails whose record met a DynamoDB failure: ${count('notification sent, recorded late')} recorded late, ${count('notification sent but not recorded')} not recorded`;
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

/** How long a case took from its submission to its closure, and how much of it went on waiting for its offer and its payment's reservation. */
function caseTimes(cases: DrivenCase[]): string[] {
  if (cases.length === 0) return [];
  const median = (pick: (driven: DrivenCase) => number): string => {
    const sorted = cases.map(pick).sort((left, right) => left - right);
    return seconds(sorted[Math.floor(sorted.length / 2)]!);
  };
  const longest = Math.max(...cases.map((driven) => driven.timing.totalMs));
  return [
    `a case (medians): ${median((driven) => driven.timing.totalMs)} in all (longest ${seconds(longest)}), ${median((driven) => driven.timing.offerMs)} waiting for its offer, ${median((driven) => driven.timing.reservationMs)} for its payment's reservation`,
  ];
}
