/*
 * `npm run fuzz`: the fuzzer (test/fuzz/fuzz.ts) against the local stack on the real template,
 * started here in memory and stopped on every way out.
 *
 *   npm run fuzz                             600 requests, a random seed (printed)
 *   npm run fuzz -- --requests 10000         a large run
 *   npm run fuzz -- --seed 1234              replay a run
 */
import { parseArgs } from 'node:util';
import { formatInvocation } from '../../infra/local/console.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { synthesize } from '../../infra/local/synth.ts';
import { formatReport, fuzz } from './fuzz.ts';

const { values: flags } = parseArgs({
  options: {
    requests: { type: 'string', default: '600' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'cdk-out': { type: 'string', default: 'cdk.out' },
  },
});

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

let stack: LocalStack | undefined;
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => {
  stopping ??= stack?.stop() ?? Promise.resolve();
  return stopping;
};

const onSignal = (signal: NodeJS.Signals): void => {
  print(`${signal}: stopping the local stack...`);
  stop().finally(() => process.exit(130));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main(): Promise<number> {
  const requests = Number(flags.requests);
  const seed = flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(flags.seed);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests ${flags.requests} is not a positive integer`);
  if (!Number.isInteger(seed)) throw new Error(`--seed ${flags.seed} is not an integer`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency ${flags.concurrency} is not a positive integer`);
  print(`Fuzz seed ${seed} (replay with --seed ${seed}), ${requests} requests`);
  const { cdkOutDir } = await synthesize({ outDir: flags['cdk-out'] });
  stack = await startLocalStack({ cdkOutDir, port: 0 });
  const started = Date.now();
  const report = await fuzz({
    apiUrl: stack.apiUrl,
    partners: stack.partners,
    requests,
    seed,
    concurrency,
    onProgress: (sent) => {
      if (sent % 1000 === 0) print(`  ${sent} sent in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    },
  });
  for (const line of formatReport(report)) print(line);
  // What the gateway's 500s and 503s stand for: the invocations that did not end well.
  for (const record of stack.invocations.filter((invocation) => invocation.outcome !== 'ok')) print(`  ${formatInvocation(record)}`);
  print(`Took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return report.findings.length === 0 ? 0 : 1;
}

main().then(
  async (code) => {
    await stop();
    process.exit(code);
  },
  async (error: unknown) => {
    process.stderr.write(`npm run fuzz: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop().catch(() => undefined);
    process.exit(1);
  }
);
