/*
 * `npm start`: the whole backend on this machine, from the synthesized CDK template.
 *
 *   npm start                  reuse the data in .local/ (DynamoDB on disk, demo keys)
 *   npm start -- --fresh       start empty
 *   npm start -- --no-watch    do not reload on changes
 *   PORT=8080 npm start        the API on another port (default 3000)
 */
import { type FSWatcher, watch } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { bold, dim, formatInvocation, formatWarning } from './console.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { appModuleFiles, appSources, repoRoot, synthesize } from './synth.ts';
import { shortId } from './timing.ts';

const DefaultPort = 3000;
// Long enough to take an editor's save (truncate, write, rename) as one change, short beside a reload.
const WatchDebounceMs = 100;
// Long enough that a copy of the same Ctrl-C relayed late by npm or tsx on a loaded machine is not
// taken for a second one.
const ForceAfterMs = 10_000;

const { values: flags } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    'no-watch': { type: 'boolean', default: false },
    'state-dir': { type: 'string', default: '.local' },
    // Another cloud assembly than cdk.out, synthesized there if stale (the tests use cdk.out.test).
    'cdk-out': { type: 'string', default: 'cdk.out' },
  },
});

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

async function main(): Promise<void> {
  const started = Date.now();
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    // fauxqs and the functions' runtime need the project's Node; npm scripts put it on the PATH.
    throw new Error(`Node ${process.versions.node} found; run "npm start", which uses the project's Node 24`);
  }
  const stateDir = resolve(repoRoot, flags['state-dir']);
  const port = process.env.PORT === undefined ? DefaultPort : Number(process.env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT ${process.env.PORT} is not a port number`);

  // Signal handlers come first: stack.json appears while the stack starts, and a Ctrl-C sent as
  // soon as it appears must stop every child, not kill this process with them left behind.
  let stack: LocalStack | undefined;
  let stopWatching: () => void = () => undefined;
  let stoppingSince: number | undefined;
  let pendingSignal: NodeJS.Signals | undefined;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stack === undefined) {
      pendingSignal = signal;
      return;
    }
    if (stoppingSince !== undefined) {
      // npm and tsx pass the same Ctrl-C on: only a later one means "do not wait".
      if (Date.now() - stoppingSince > ForceAfterMs) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    print(dim(`\n${signal}: stopping the functions and the emulators...`));
    stopWatching();
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        print(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      }
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  print(dim('Synthesizing the CDK app (skipped when cdk.out is up to date)...'));
  const synthesis = await synthesize({ outDir: flags['cdk-out'], logPath: join(stateDir, 'logs', 'cdk-synth.log') });
  stack = await startLocalStack({
    cdkOutDir: synthesis.cdkOutDir,
    port,
    stateDir,
    fresh: flags.fresh,
    onInvocation: (record) => print(formatInvocation(record)),
    onWarning: (message) => print(formatWarning(message)),
  });
  if (pendingSignal !== undefined) {
    shutdown(pendingSignal);
    return;
  }
  printBanner(stack, Date.now() - started, synthesis.synthesized, stateDir);
  stopWatching = flags['no-watch'] ? () => undefined : watchSources(stack, flags['cdk-out']);
}

function printBanner(stack: LocalStack, elapsedMs: number, synthesized: boolean, stateDir: string): void {
  const functions = stack.functions();
  const state = relative(repoRoot, stateDir) || '.';
  const referrer = stack.partners.find((partner) => partner.roles.includes('referrer'));
  print();
  const assembly = relative(repoRoot, stack.cdkOutDir);
  print(
    `${bold('Local stack ready')} in ${(elapsedMs / 1000).toFixed(1)} s ${dim(`(${assembly} ${synthesized ? 'synthesized' : 'reused'})`)}`
  );
  print();
  print(`  API       ${bold(stack.apiUrl)}`);
  print(`  Inbox     ${bold(stack.inboxUrl)}  ${dim('every email SES was asked to send')}`);
  print(`  Control   ${stack.controlUrl}  ${dim('GET / lists what runs; POST /rules/<rule>/trigger fires a schedule')}`);
  print(`  State     ${state}/  ${dim(`stack.json, DynamoDB data, function logs in ${state}/logs/functions/`)}`);
  print(`  Running   ${functions.map((spec) => spec.logicalId.replace(/[0-9A-F]{8}$/, '')).join(', ')}`);
  print();
  print(`  Demo partners ${dim('(send the key as "Authorization: Bearer <key>")')}`);
  for (const partner of stack.partners) {
    print(`    ${partner.id.padEnd(18)} ${partner.roles.join(',').padEnd(12)} ${partner.country}  ${partner.key}`);
  }
  if (referrer !== undefined) {
    print();
    print(`  Submit the sample referral as ${referrer.id}:`);
    print(`    curl -s ${stack.apiUrl}/v1/referrals -H 'Authorization: Bearer ${referrer.key}' \\`);
    print(`      -H 'Content-Type: application/json' -H "Idempotency-Key: $(date +%s%N)" \\`);
    print(`      --data @events/samples/referral-tact.json`);
  }
  print();
  print(
    dim(
      `  One line per invocation below. Watching ${appSources.join('/, ')}/ unless --no-watch (a function's code reloads without a synth). Ctrl-C stops everything.`
    )
  );
  print();
}

/**
 * Reloads on a change to the app's sources; the emulators and their data stay. A saved file only
 * the functions' bundles include is rebuilt into their assets and those functions restarted, with
 * no synth; a file the CDK app itself imports (infra/, routes, programmes) re-synthesizes and
 * reloads the template. A change that does not build leaves the running version in place.
 */
function watchSources(stack: LocalStack, outDir: string): () => void {
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  const changed = new Set<string>();
  // An app that does not build has no known imports: any change then re-synthesizes, which says why.
  const readAppModules = (): Promise<Set<string> | undefined> => appModuleFiles().catch(() => undefined);
  let appModules = readAppModules();
  const resynthesize = async (): Promise<void> => {
    const started = Date.now();
    print(formatWarning('sources changed: synthesizing and reloading...'));
    await synthesize({ outDir });
    await stack.reload();
    appModules = readAppModules();
    print(formatWarning(`reloaded in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  };
  const rebuild = async (files: string[]): Promise<void> => {
    const started = Date.now();
    const names = files.map((file) => relative(repoRoot, file)).join(', ');
    const reloaded = await stack.reloadCode(files);
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    if (reloaded.length === 0) print(formatWarning(`${names} changed: no running function's bundle changed`));
    else print(formatWarning(`${names} changed: ${reloaded.map((id) => shortId(id)).join(', ')} rebuilt and reloaded in ${elapsed} s`));
  };
  const reload = async (): Promise<void> => {
    const files = [...changed];
    changed.clear();
    try {
      const app = await appModules;
      if (app === undefined || files.some((file) => !isFunctionCode(file) || app.has(file))) await resynthesize();
      else await rebuild(files);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      print(formatWarning(`reload failed, the previous version keeps running: ${message}`));
    }
  };
  const schedule = (file: string | null): void => {
    if (file !== null && relative(repoRoot, file).startsWith(join('infra', 'local'))) {
      print(formatWarning(`${relative(repoRoot, file)} changed: restart npm start to run the new local stack code`));
      return;
    }
    // An event without a file name may be anything: re-synthesize.
    changed.add(file ?? repoRoot);
    clearTimeout(timer);
    timer = setTimeout(() => {
      reloading = reloading.then(async () => {
        if (changed.size > 0) await reload();
      });
    }, WatchDebounceMs);
  };
  const watchers: FSWatcher[] = appSources.map((source) =>
    watch(join(repoRoot, source), { recursive: true }, (_event, file) => schedule(file === null ? null : join(repoRoot, source, file)))
  );
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}

/** Under functions/ or events/: what the functions' bundles are made of. */
const isFunctionCode = (file: string): boolean =>
  ['functions', 'events'].some((source) => {
    const path = relative(join(repoRoot, source), file);
    return path !== '..' && !path.startsWith(`..${sep}`);
  });

main().catch((error: unknown) => {
  // One line: the message names the resource, property or intrinsic at fault.
  process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
