/*
 * `npm run bench`, part 4: 50 partners submitting a referral at once, and where the time goes.
 * Every stage is timed per request and summed, so the shares hold on a loaded machine too, where
 * the absolute figures are inflated: the HTTP front and the runner, each function's wait for a
 * free execution environment, its cold start and its own run; then the stream's delivery and the
 * eligibility engine's batches. The counting proxies add what the emulators took per operation,
 * and the refusals (conditional checks, cancelled transactions) that make the optimistic loops retry.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { generatePartnerKey, hashPartnerKey } from '../../functions/domain/partner-key.ts';
import { cpuBetween, cpuSnapshot } from './bench-cpu.ts';
import { median, ms, percentile, print, seconds, table } from './bench-output.ts';
import type { InvocationRecord } from './lambda-runtime.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { localCredentials } from './provision.ts';
import type { OperationStats } from './request-counter.ts';
import { resourcesOfType } from './resource-types.ts';
import type { DemoPartner, Seeder } from './seed.ts';
import { repoRoot } from './synth.ts';
import { loadStackTemplate, localRegion, referencedLogicalIds } from './template.ts';
import { shortId } from './timing.ts';

export const ConcurrentPartners = 50;
const FollowUpTimeoutMs = 60_000;
const QuietSpellMs = 10_000;
const SubmitRoute = 'POST /v1/referrals';
const BatchGetLimit = 100;
/** How often the runner looks for the follow-ups. */
const PollIntervalMs = 250;

interface Submission {
  status: number;
  /** Epoch milliseconds, comparable with the invocation records and the items' timestamps. */
  begin: number;
  acceptedAt: number;
  id?: string;
  reference?: string;
}

interface Decision {
  createdAt: number;
  decidedAt: number;
}

/** 50 referrers with their own keys, so each submission also costs an authorizer cache miss. */
function benchPartners(count: number): Seeder {
  return {
    name: 'bench referrers',
    async seed({ documentClient, tableName, now }) {
      const repository = new PartnerRepository(documentClient, tableName('DataPartners'));
      const partners: DemoPartner[] = [];
      for (let i = 0; i < count; i += 1) {
        const key = generatePartnerKey();
        const id = `bench-referrer-${String(i).padStart(3, '0')}`;
        await repository.save({
          partnerId: id,
          name: `Bench referrer ${i}`,
          roles: ['referrer'],
          country: 'FR',
          language: 'fr',
          emails: [`${id}@bench.example.org`],
          status: 'active',
          keyHash: hashPartnerKey(key),
          keyCreatedAt: now.toISOString(),
        });
        partners.push({ id, name: `Bench referrer ${i}`, roles: ['referrer'], country: 'FR', key });
      }
      return { partners };
    },
  };
}

export async function measureLoad(cdkOutDir: string): Promise<void> {
  const template = loadStackTemplate(cdkOutDir);
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
  const streamReaders = mappings.filter(([, resource]) => JSON.stringify(resource.Properties?.EventSourceArn).includes('StreamArn'));
  const hasStreamConsumer = streamReaders.length > 0;
  const hasQueueConsumer = mappings.some(([, resource]) => !JSON.stringify(resource.Properties?.EventSourceArn).includes('StreamArn'));
  const stack = await startLocalStack({
    cdkOutDir,
    port: 0,
    seeders: [benchPartners(ConcurrentPartners)],
    countRequests: true,
    logDir: join(tmpdir(), 'trm-bench-logs'),
  });
  try {
    const counter = stack.requestCounter;
    if (counter === undefined) throw new Error('the stack was started without countRequests');
    const body = readFileSync(join(repoRoot, 'events', 'samples', 'referral-tact.json'), 'utf8');
    const functionByCodeDir = new Map(stack.functions().map((spec) => [spec.codeDir, shortId(spec.functionName)]));
    // The burst meets a stack that has been up a while: each function's first environment is
    // initialized. Warming all of them takes the machine's cores for seconds after start-up, and a
    // burst sent meanwhile waits behind it (the start-up figures are in part 1).
    const warmStarted = Date.now();
    const warmCpu = cpuSnapshot(functionByCodeDir);
    await stack.warmed();
    const warmCpuSeconds = cpuBetween(warmCpu, cpuSnapshot(functionByCodeDir)).reduce((sum, [, value]) => sum + value, 0);
    print(
      `Waited ${seconds(Date.now() - warmStarted)} after start-up for the ${stack.functions().length} functions' first environments (${warmCpuSeconds.toFixed(1)} CPU-s), then sent the burst`
    );
    print();
    const firstRecord = stack.invocations.length;
    counter.reset();
    const cpuBefore = cpuSnapshot(functionByCodeDir);
    const started = Date.now();
    const submissions: Submission[] = await Promise.all(
      stack.partners.map(async (partner, i) => {
        const begin = Date.now();
        // A request that got no answer at all counts as failed (status 0), as a partner would see it.
        const response = await fetch(`${stack.apiUrl}/v1/referrals`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${partner.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-${i}` },
          body,
        }).catch(() => undefined);
        const created = ((await response?.json().catch(() => undefined)) ?? {}) as { id?: string; reference?: string };
        return { status: response?.status ?? 0, begin, acceptedAt: Date.now(), id: created.id, reference: created.reference };
      })
    );
    const wallMs = Date.now() - started;
    const accepted = submissions.filter((submission) => submission.status === 201);
    const toAccepted = accepted.map((submission) => submission.acceptedAt - submission.begin);
    // Both follow-ups at once: each ends when every referral got there, or when nothing came.
    const [decisions, email] = await Promise.all([
      hasStreamConsumer ? decisionsOf(stack, accepted) : undefined,
      hasQueueConsumer ? timeToEmail(stack, accepted) : undefined,
    ]);
    const cpu = cpuBetween(cpuBefore, cpuSnapshot(functionByCodeDir));
    const toDecision = [...(decisions?.entries() ?? [])].map(([submission, decision]) => decision.decidedAt - submission.begin);
    table(
      ['latency', 'p50', 'p95', 'note'],
      [
        [
          'submission → 201',
          ms(median(toAccepted)),
          ms(percentile(toAccepted, 95)),
          `${accepted.length}/${submissions.length} accepted in ${seconds(wallMs)}${refusals(submissions)}`,
        ],
        decisions === undefined
          ? ['submission → eligibility decision', 'n/a yet', 'n/a yet', 'no stream consumer in the template']
          : decisions.size === 0
            ? ['submission → eligibility decision', 'none', 'none', `nothing within ${QuietSpellMs / 1000} s`]
            : [
                'submission → eligibility decision',
                ms(median(toDecision)),
                ms(percentile(toDecision, 95)),
                `${decisions.size}/${accepted.length} (the decision's own timestamp)`,
              ],
        ['submission → email in the inbox', ...(email ?? ['n/a yet', 'n/a yet', 'no queue consumer in the template'])],
      ]
    );
    const records = stack.invocations.slice(firstRecord);
    printAcceptedBreakdown(submissions, records);
    if (decisions !== undefined && decisions.size > 0) printDecisionBreakdown(decisions, records);
    printInvocations(records);
    printCpu(cpu, Date.now() - started);
    printEmulators(counter.stats());
    printRequestsPerReferral(counter.counts());
    printStreamReaders(streamReaders.map(([id, resource]) => [...referencedLogicalIds(resource.Properties?.FunctionName)][0] ?? id));
  } finally {
    await stack.stop();
  }
}

/** The answers other than 201, by status (0: no answer). */
function refusals(submissions: Submission[]): string {
  const counts = new Map<number, number>();
  for (const { status } of submissions) if (status !== 201) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `, ${count} × ${status}`).join('');
}

/** A stage's total over all requests, its share of their summed latency, and its mean per request. */
const stageRow = (stage: string, totalMs: number, wholeMs: number, requests: number): string[] => [
  stage,
  `${((100 * totalMs) / wholeMs).toFixed(1)} %`,
  ms(totalMs / requests),
];

/** The 201's path: the front and the runner, then the authorizer and the route, each waiting, starting and running. */
function printAcceptedBreakdown(submissions: Submission[], records: InvocationRecord[]): void {
  const wholeMs = submissions.reduce((sum, submission) => sum + (submission.acceptedAt - submission.begin), 0);
  const sum = (trigger: string, part: (record: InvocationRecord) => number): number =>
    records.filter((record) => record.trigger === trigger).reduce((total, record) => total + part(record), 0);
  const rows: string[][] = [];
  let accounted = 0;
  for (const [label, trigger] of [
    ['authorizer', `authorizer for ${SubmitRoute}`],
    ['create-referral', SubmitRoute],
  ] as const) {
    const queued = sum(trigger, (record) => record.queuedMs ?? 0);
    const init = sum(trigger, (record) => record.initWaitMs ?? 0);
    const run = sum(trigger, (record) => record.durationMs);
    accounted += queued + init + run;
    rows.push(
      stageRow(`${label}: waiting for a free environment`, queued, wholeMs, submissions.length),
      stageRow(`${label}: waiting for a cold start's init`, init, wholeMs, submissions.length),
      stageRow(`${label}: running (its AWS calls included)`, run, wholeMs, submissions.length)
    );
  }
  rows.unshift(stageRow('HTTP front, runner, sockets (the rest)', wholeMs - accounted, wholeMs, submissions.length));
  print("Where the 201's time goes (each stage summed over the requests, as a share of their summed latency)");
  table(['stage', 'share', 'mean per request'], rows);
}

/** The decision's path after the case was written: the stream's delivery, then the engine's batch. */
function printDecisionBreakdown(decisions: Map<Submission, Decision>, records: InvocationRecord[]): void {
  const batches = records.filter((record) => record.functionName.includes('Assess') && record.trigger.startsWith('stream'));
  let toWrite = 0;
  let delivery = 0;
  let inBatch = 0;
  let unmatched = 0;
  for (const [submission, decision] of decisions) {
    toWrite += decision.createdAt - submission.begin;
    const batch = batches.find(
      (record) => record.startedAt <= decision.decidedAt && decision.decidedAt <= record.startedAt + record.durationMs + 5
    );
    if (batch === undefined) {
      unmatched += 1;
      continue;
    }
    delivery += batch.startedAt - decision.createdAt;
    inBatch += decision.decidedAt - batch.startedAt;
  }
  const wholeMs = toWrite + delivery + inBatch;
  const count = decisions.size - unmatched;
  print("Where the decision's time goes (summed over the referrals; the case item's createdAt and the decision's decidedAt)");
  table(
    ['stage', 'share', 'mean per referral'],
    [
      stageRow('submission → case written (the 201 path)', toWrite, wholeMs, count),
      stageRow('case written → its batch starts (stream polling, batching window, batch in flight)', delivery, wholeMs, count),
      stageRow('batch start → its decision (records before it, its own calls and retries)', inBatch, wholeMs, count),
    ]
  );
  const sizes = batches.map((record) => record.detail ?? '?');
  print(
    `${batches.length} eligibility invocations (${sizes.join('; ')}), ${batches.filter((record) => record.outcome !== 'ok').length} failed${unmatched > 0 ? `; ${unmatched} decisions outside any invocation's span` : ''}`
  );
  print();
}

function printInvocations(records: InvocationRecord[]): void {
  const byFunction = new Map<string, InvocationRecord[]>();
  for (const record of records) byFunction.set(record.functionName, [...(byFunction.get(record.functionName) ?? []), record]);
  print('Invocations during the burst, per function');
  table(
    ['function', 'invocations', 'cold starts', 'not ok', 'queued (mean)', 'init waited (mean)', 'run p50', 'run p95'],
    [...byFunction.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, list]) => {
        const mean = (part: (record: InvocationRecord) => number): string =>
          ms(list.reduce((sum, record) => sum + part(record), 0) / list.length);
        const runs = list.map((record) => record.durationMs);
        return [
          shortId(name),
          String(list.length),
          String(list.filter((record) => record.coldStart === true).length),
          String(list.filter((record) => record.outcome !== 'ok').length),
          mean((record) => record.queuedMs ?? 0),
          mean((record) => record.initWaitMs ?? 0),
          ms(median(runs)),
          ms(percentile(runs, 95)),
        ];
      })
  );
}

function printCpu(cpu: Array<[string, number]>, wallMs: number): void {
  const total = cpu.reduce((sum, [, value]) => sum + value, 0);
  print(
    `CPU time from the first request until every follow-up ended (${seconds(wallMs)}): ${total.toFixed(1)} CPU-s, at least ${seconds((1000 * total) / availableParallelism())} of wall time on ${availableParallelism()} cores`
  );
  table(
    ['part', 'CPU time', 'share'],
    cpu.map(([label, value]) => [label, `${value.toFixed(2)} s`, `${((100 * value) / total).toFixed(1)} %`])
  );
}

function printEmulators(stats: Record<string, OperationStats>): void {
  print('What the emulators took, per operation the functions called (refusals are what the optimistic loops retry on)');
  table(
    ['operation', 'requests', 'mean at the emulator', 'share of emulator time', 'refused'],
    (() => {
      const total = Object.values(stats).reduce((sum, entry) => sum + entry.emulatorMs, 0);
      return Object.entries(stats)
        .sort(([, a], [, b]) => b.emulatorMs - a.emulatorMs)
        .map(([operation, entry]) => [
          operation,
          String(entry.count),
          ms(entry.emulatorMs / entry.count),
          `${((100 * entry.emulatorMs) / total).toFixed(1)} %`,
          Object.entries(entry.errors)
            .map(([type, count]) => `${count} ${type}`)
            .join(', ') || '-',
        ]);
    })()
  );
}

function printRequestsPerReferral(counts: Record<string, number>): void {
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  print(
    `AWS requests per referral made by the functions (HTTP and what it triggered), counted at the emulators: ${(total / ConcurrentPartners).toFixed(1)}`
  );
  table(
    ['operation', 'per referral'],
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operation, count]) => [operation, (count / ConcurrentPartners).toFixed(2)])
  );
  print(`(each of the ${ConcurrentPartners} partners has its own key and sends one request: one authorizer key lookup each)`);
}

/** Not in the counts above: Lambda's pollers read a stream, free, 4 times a second per shard and mapping (two at most per shard). */
function printStreamReaders(functionIds: string[]): void {
  const readers = functionIds.map(shortId).join(', ') || 'none';
  print(`Stream readers: ${functionIds.length} (${readers}), on AWS ${4 * functionIds.length} GetRecords a second per shard`);
  print();
}

/**
 * Polls until every referral got there, giving up at the deadline, or after a quiet spell when
 * nothing at all arrived (the template has no such step yet).
 */
async function followUp<T>(
  accepted: Submission[],
  arrived: (pending: Submission[]) => Promise<Array<[Submission, T]>>
): Promise<Map<Submission, T>> {
  const found = new Map<Submission, T>();
  const started = Date.now();
  while (found.size < accepted.length && Date.now() - started < FollowUpTimeoutMs) {
    if (found.size === 0 && Date.now() - started > QuietSpellMs) break;
    for (const [submission, value] of await arrived(accepted.filter((candidate) => !found.has(candidate)))) found.set(submission, value);
    await delay(PollIntervalMs);
  }
  return found;
}

/**
 * Read straight from the table, beside the counting proxies, so the polling costs no counted
 * request; one BatchGetItem per poll for all the pending cases, so the runner's polling takes
 * little of DynamoDB Local while the functions are working.
 */
async function decisionsOf(stack: LocalStack, accepted: Submission[]): Promise<Map<Submission, Decision>> {
  const client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb });
  const documents = DynamoDBDocumentClient.from(client);
  const casesTable = Object.entries(stack.resources).find(([id]) => /^DataCases[0-9A-F]{8}$/.test(id))?.[1].ref;
  if (casesTable === undefined) throw new Error('no cases table in the template');
  try {
    return await followUp(accepted, async (pending) => {
      const decided: Array<[Submission, Decision]> = [];
      for (let start = 0; start < pending.length; start += BatchGetLimit) {
        const page = pending.slice(start, start + BatchGetLimit);
        const { Responses } = await documents.send(
          new BatchGetCommand({
            RequestItems: {
              [casesTable]: {
                Keys: page.map((submission) => ({ pk: `CASE#${submission.id}`, sk: 'CASE' })),
                // What the figures need, not the sealed person: less for DynamoDB Local to send while it serves the burst.
                ProjectionExpression: 'caseId, createdAt, eligibility.decidedAt',
              },
            },
          })
        );
        const items = new Map((Responses?.[casesTable] ?? []).map((item) => [String(item.caseId), item]));
        for (const submission of page) {
          const item = items.get(String(submission.id));
          const decidedAt = item?.eligibility?.decidedAt;
          if (typeof decidedAt !== 'string') continue;
          decided.push([submission, { createdAt: Date.parse(String(item?.createdAt)), decidedAt: Date.parse(decidedAt) }]);
        }
      }
      return decided;
    });
  } finally {
    client.destroy();
  }
}

async function timeToEmail(stack: LocalStack, accepted: Submission[]): Promise<string[]> {
  const found = await followUp(accepted, async (pending) => {
    // A poll that fails (a kept-alive socket the emulator closed meanwhile) is the next poll's to make.
    const inbox = await fetch(stack.inboxJsonUrl)
      .then(async (response) => JSON.stringify(await response.json()))
      .catch(() => undefined);
    if (inbox === undefined) return [];
    const now = Date.now();
    return pending
      .filter((submission) => submission.reference !== undefined && inbox.includes(submission.reference))
      .map((submission): [Submission, number] => [submission, now - submission.begin]);
  });
  const values = [...found.values()];
  if (values.length === 0) return ['none', 'none', `nothing within ${QuietSpellMs / 1000} s`];
  return [ms(median(values)), ms(percentile(values, 95)), `${values.length}/${accepted.length}`];
}
