/*
 * `npm run bench`: how fast the local stack is, and how close each function stays to its
 * cold-start floor. A benchmark, not a test: it prints figures and asserts nothing.
 *
 *   1. npm start to ready (fresh state, then a restart on kept state), cdk synth (from scratch and
 *      after a one-line change in functions/), and a save to the new code served (bench-reload.ts)
 *   2. the runner's own overhead per warm invocation (IPC), and with the HTTP API in front
 *   3. each function's bundle size and module init time beside a bare `node -e ''` and beside
 *      the floor set by the AWS SDK clients it uses (the budget: init within 15% of that floor)
 *   4. 50 partners submitting referrals at once: latency to the 201, to the eligibility
 *      decision and to the email in the inbox (once those exist), and AWS requests per referral
 *
 *   npm run bench -- --cdk-out <dir>    measure 3 and 4 on another cloud assembly (a branch's)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { generatePartnerKey, hashPartnerKey } from '../../functions/domain/partner-key.ts';
import { writeCloudAssembly } from './assembly.ts';
import { InitRuns, measureBundles } from './bench-cold-start.ts';
import { median, ms, percentile, print, seconds, table } from './bench-output.ts';
import { measureReloadOnSave, measureSynthAfterChange } from './bench-reload.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { localCredentials } from './provision.ts';
import { resourcesOfType } from './resource-types.ts';
import type { DemoPartner, Seeder } from './seed.ts';
import { repoRoot, synthesize } from './synth.ts';
import { loadStackTemplate, localRegion } from './template.ts';

const ConcurrentPartners = 50;
const WarmInvocations = 300;
const FollowUpTimeoutMs = 60_000;
const QuietSpellMs = 10_000;

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { 'cdk-out': { type: 'string' } } });
  print(`Local stack benchmark: Node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${loadAverage()}`);
  print();
  const synthesis = await synthesize({ outDir: 'cdk.out' });
  const cdkOutDir = flags['cdk-out'] === undefined ? synthesis.cdkOutDir : resolve(flags['cdk-out']);

  if (flags['cdk-out'] === undefined) {
    print('1. Start-up');
    const startup = await measureStartup();
    const synth = await measureSynth();
    const reloads = await measureReloadOnSave(synthesis.cdkOutDir);
    table(
      ['what', 'time'],
      [
        ['npm start to ready, empty state (--fresh)', seconds(startup.fresh)],
        ['npm start to ready, restart on kept state', seconds(startup.restart)],
        ['cdk synth when sources changed (added to the above)', seconds(synth.fresh)],
        ['cdk synth after a one-line change in functions/', seconds(synth.afterChange)],
        [
          `npm start: save in functions/ to the first request served by the new code (median of ${reloads.length})`,
          seconds(median(reloads)),
        ],
      ]
    );

    print('2. Runner overhead per warm invocation (no-op function)');
    table(['path', 'p50', 'p95'], await measureOverhead());
  }

  print(`3. Bundles and module init (median of ${InitRuns} cold processes) in ${cdkOutDir}`);
  table(
    ['function', 'bundle', 'SDK floor', 'bundle/floor', 'init', 'floor init', 'init/floor', "node -e ''"],
    await measureBundles(cdkOutDir)
  );

  print(`4. ${ConcurrentPartners} partners submitting a referral at once`);
  await measureLoad(cdkOutDir);
}

/** Runs the real `npm start` script and times it until stack.json appears. */
async function measureStartup(): Promise<{ fresh: number; restart: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'trm-bench-state-'));
  const once = async (...flags: string[]): Promise<number> => {
    const started = Date.now();
    // As `npm start` runs it: tsx as a loader in the same process.
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', '--no-watch', '--state-dir', stateDir, ...flags], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', NO_COLOR: '1' },
      stdio: 'ignore',
    });
    const stackJson = join(stateDir, 'stack.json');
    while (!existsSync(stackJson)) {
      if (child.exitCode !== null) throw new Error('npm start exited before it was ready');
      await delay(20);
    }
    const elapsed = Date.now() - started;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    return elapsed;
  };
  try {
    return { fresh: await once('--fresh'), restart: await once() };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function measureSynth(): Promise<{ fresh: number; afterChange: number }> {
  const outDir = 'cdk.out.bench';
  try {
    const fresh = (await synthesize({ outDir, force: true })).durationMs;
    return { fresh, afterChange: await measureSynthAfterChange(outDir) };
  } finally {
    rmSync(join(repoRoot, outDir), { recursive: true, force: true });
  }
}

async function measureOverhead(): Promise<string[][]> {
  const cdkOutDir = writeCloudAssembly(
    { Noop: { code: 'export const handler = async () => ({ statusCode: 204 });' } },
    {
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'bench', ProtocolType: 'HTTP' } },
      Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: '$default' } },
      Integration: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: { 'Fn::GetAtt': ['Noop', 'Arn'] },
          PayloadFormatVersion: '2.0',
        },
      },
      Route: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: { Ref: 'Api' },
          RouteKey: 'GET /noop',
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] },
        },
      },
    },
    'bench'
  );
  const stack = await startLocalStack({ cdkOutDir, port: 0, seeders: [], logDir: join(tmpdir(), 'trm-bench-logs') });
  try {
    const direct: number[] = [];
    const overHttp: number[] = [];
    for (let i = 0; i < WarmInvocations; i += 1) {
      const started = performance.now();
      await stack.invoke('Noop', {});
      direct.push(performance.now() - started);
    }
    for (let i = 0; i < WarmInvocations; i += 1) {
      const started = performance.now();
      await (await fetch(`${stack.apiUrl}/noop`)).arrayBuffer();
      overHttp.push(performance.now() - started);
    }
    return [
      ['invoke over IPC (runner alone)', ms(median(direct)), ms(percentile(direct, 95))],
      ['HTTP request through the local API', ms(median(overHttp)), ms(percentile(overHttp, 95))],
    ];
  } finally {
    await stack.stop();
  }
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

async function measureLoad(cdkOutDir: string): Promise<void> {
  const template = loadStackTemplate(cdkOutDir);
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
  const hasStreamConsumer = mappings.some(([, resource]) => JSON.stringify(resource.Properties?.EventSourceArn).includes('StreamArn'));
  const hasQueueConsumer = mappings.some(([, resource]) => !JSON.stringify(resource.Properties?.EventSourceArn).includes('StreamArn'));
  const stack = await startLocalStack({
    cdkOutDir,
    port: 0,
    seeders: [benchPartners(ConcurrentPartners)],
    countRequests: true,
    logDir: join(tmpdir(), 'trm-bench-logs'),
  });
  try {
    const body = readFileSync(join(repoRoot, 'events', 'samples', 'referral-tact.json'), 'utf8');
    const started = performance.now();
    const submissions = await Promise.all(
      stack.partners.map(async (partner, i) => {
        const begin = performance.now();
        const response = await fetch(`${stack.apiUrl}/v1/referrals`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${partner.key}`, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-${i}` },
          body,
        });
        const created = (await response.json()) as { id?: string; reference?: string };
        return {
          status: response.status,
          begin,
          acceptedAt: performance.now(),
          id: created.id,
          reference: created.reference,
          key: partner.key,
        };
      })
    );
    const wallMs = performance.now() - started;
    const accepted = submissions.filter((submission) => submission.status === 201);
    const toAccepted = accepted.map((submission) => submission.acceptedAt - submission.begin);
    // Both follow-ups at once: each ends when every referral got there, or when nothing came.
    const [decision, email] = await Promise.all([
      hasStreamConsumer ? timeToDecision(stack, accepted) : undefined,
      hasQueueConsumer ? timeToEmail(stack, accepted) : undefined,
    ]);
    const counter = stack.requestCounter;
    if (counter === undefined) throw new Error('the stack was started without countRequests');
    const counts = counter.counts();
    const rows: string[][] = [
      [
        'submission → 201',
        ms(median(toAccepted)),
        ms(percentile(toAccepted, 95)),
        `${accepted.length}/${submissions.length} accepted in ${seconds(wallMs)}`,
      ],
      ['submission → eligibility decision', ...(decision ?? ['n/a yet', 'n/a yet', 'no stream consumer in the template'])],
      ['submission → email in the inbox', ...(email ?? ['n/a yet', 'n/a yet', 'no queue consumer in the template'])],
    ];
    table(['latency', 'p50', 'p95', 'note'], rows);

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
    print(`(authorizer results are cached per key: each of the ${ConcurrentPartners} partners costs one key lookup here)`);
  } finally {
    await stack.stop();
  }
}

type Accepted = { begin: number; id?: string; reference?: string; key: string };

/**
 * Polls until every referral got there, giving up at the deadline, or after a quiet spell when
 * nothing at all arrived (the template has no such step yet).
 */
async function followUp(accepted: Accepted[], arrived: (pending: Accepted[]) => Promise<Accepted[]>): Promise<string[]> {
  const times = new Map<Accepted, number>();
  const started = Date.now();
  while (times.size < accepted.length && Date.now() - started < FollowUpTimeoutMs) {
    if (times.size === 0 && Date.now() - started > QuietSpellMs) break;
    const now = performance.now();
    for (const submission of await arrived(accepted.filter((candidate) => !times.has(candidate)))) {
      times.set(submission, now - submission.begin);
    }
    await delay(100);
  }
  const values = [...times.values()];
  if (values.length === 0) return ['none', 'none', `nothing within ${QuietSpellMs / 1000} s`];
  return [ms(median(values)), ms(percentile(values, 95)), `${values.length}/${accepted.length}`];
}

/** Read straight from the table, beside the counting proxies, so the polling costs no counted request. */
async function timeToDecision(stack: LocalStack, accepted: Accepted[]): Promise<string[]> {
  const client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb });
  const documents = DynamoDBDocumentClient.from(client);
  const casesTable = Object.entries(stack.resources).find(([id]) => /^DataCases[0-9A-F]{8}$/.test(id))?.[1].ref;
  try {
    return await followUp(accepted, async (pending) => {
      const decided = await Promise.all(
        pending.map(async (submission) => {
          const { Item } = await documents.send(
            new GetCommand({ TableName: casesTable, Key: { pk: `CASE#${submission.id}`, sk: 'CASE' } })
          );
          return Item?.eligibility === undefined ? undefined : submission;
        })
      );
      return decided.filter((submission): submission is Accepted => submission !== undefined);
    });
  } finally {
    client.destroy();
  }
}

function timeToEmail(stack: LocalStack, accepted: Accepted[]): Promise<string[]> {
  return followUp(accepted, async (pending) => {
    const inbox = JSON.stringify(await (await fetch(stack.inboxJsonUrl)).json());
    return pending.filter((submission) => submission.reference !== undefined && inbox.includes(submission.reference));
  });
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`npm run bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
