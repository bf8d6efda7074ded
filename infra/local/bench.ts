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
 *      decision and to the email in the inbox, where that time goes, and AWS requests per referral
 *
 *   5. the AWS cost of one case lifecycle (submission to closure, a plan, two payments, the emails),
 *      priced from the requests, invocations and capacity units it counted, and the fixed monthly cost
 *
 *   npm run bench -- --cdk-out <dir>    measure 3, 4 and 5 on another cloud assembly (a branch's)
 *   npm run bench -- --only burst|cost  measure 4 or 5 alone
 *   npm run bench -- --only synth|reload  measure section 1's synth times, or its reload on save, alone
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { writeCloudAssembly } from './assembly.ts';
import { ConcurrentPartners, measureLoad } from './bench-burst.ts';
import { InitRuns, measureBundles } from './bench-cold-start.ts';
import { measureCaseCost } from './bench-cost.ts';
import { median, ms, percentile, print, seconds, table } from './bench-output.ts';
import { measureReloadOnSave, measureSynthAfterChange, measureSynthAfterSharedChange, type SynthTime, timedSynth } from './bench-reload.ts';
import { startLocalStack } from './local-stack.ts';
import { repoRoot, synthesize } from './synth.ts';

const WarmInvocations = 300;

async function main(): Promise<void> {
  const { values: flags } = parseArgs({ options: { 'cdk-out': { type: 'string' }, only: { type: 'string' } } });
  print(`Local stack benchmark: Node ${process.versions.node}, ${availableParallelism()} CPUs, load average ${loadAverage()}`);
  print();
  const synthesis = await synthesize({ outDir: 'cdk.out' });
  const cdkOutDir = flags['cdk-out'] === undefined ? synthesis.cdkOutDir : resolve(flags['cdk-out']);

  if (flags.only === 'burst' || flags.only === 'cost') {
    await (flags.only === 'burst' ? measureLoad(cdkOutDir) : measureCaseCost(cdkOutDir));
    return;
  }
  if (flags.only === 'synth') {
    table(['what', 'time'], synthRows(await measureSynth()));
    return;
  }
  if (flags.only === 'reload') {
    table(['what', 'time'], [reloadRow(await measureReloadOnSave(synthesis.cdkOutDir))]);
    return;
  }

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
        ...synthRows(synth),
        reloadRow(reloads),
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

  print('5. What a case costs on AWS, priced from what one case lifecycle asked of the local stack');
  await measureCaseCost(cdkOutDir);
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

const synthTime = ({ durationMs, cpuSeconds, load }: SynthTime): string =>
  `${seconds(durationMs)} (${cpuSeconds.toFixed(1)} CPU-s, load ${load.toFixed(2)})`;

interface SynthTimes {
  fresh: SynthTime;
  afterChange: SynthTime;
  afterSharedChange: SynthTime;
}

const synthRows = (synth: SynthTimes): string[][] => [
  ['cdk synth into an empty output directory (cold: every bundle built)', synthTime(synth.fresh)],
  ["cdk synth after a one-line change in a function's entry file", synthTime(synth.afterChange)],
  ['cdk synth after a one-line change in functions/commons/http.ts', synthTime(synth.afterSharedChange)],
];

const reloadRow = (reloads: number[]): string[] => [
  `npm start: save in functions/ to the first request served by the new code (median of ${reloads.length}, load ${loadAverage().split(' ')[0]})`,
  seconds(median(reloads)),
];

/** Cold into an empty directory, then the incremental synths after each kind of change. */
async function measureSynth(): Promise<SynthTimes> {
  const outDir = 'cdk.out.bench';
  rmSync(join(repoRoot, outDir), { recursive: true, force: true });
  try {
    const fresh = await timedSynth({ outDir, force: true });
    const afterChange = await measureSynthAfterChange(outDir);
    return { fresh, afterChange, afterSharedChange: await measureSynthAfterSharedChange(outDir) };
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
