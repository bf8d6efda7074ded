import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { kb, median, ms } from './bench-output.ts';
import { workerEnvironment } from './lambda-environment.ts';
import { startLocalStack } from './local-stack.ts';
import { repoRoot } from './synth.ts';
import { shortId } from './timing.ts';

/** Cold processes per measure; the median of them is reported. */
export const InitRuns = 7;

/** Wall time of a fresh `node` process, median of several. */
function processTime(args: string[], env: Record<string, string> = {}): number {
  const runs: number[] = [];
  for (let i = 0; i < InitRuns; i += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
    runs.push(performance.now() - started);
  }
  return median(runs);
}

/** Time to import a module in a fresh process, as measured inside it (median). */
function importTime(file: string, env: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const runs: number[] = [];
  for (let i = 0; i < InitRuns; i += 1) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
    runs.push(Number(result.stdout));
  }
  return median(runs);
}

/** The AWS SDK clients a bundle contains, read from its source map. */
function sdkClientsOf(bundle: string): string[] {
  const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
  const packages = new Set<string>();
  for (const source of map.sources) {
    const match = /node_modules\/@aws-sdk\/(client-[a-z0-9-]+|lib-dynamodb)\//.exec(source);
    if (match !== null) packages.add(`@aws-sdk/${match[1]}`);
  }
  return [...packages].sort();
}

/** The client class a package exports: `@aws-sdk/client-dynamodb` → `DynamoDBClient`. */
function clientClassOf(packageName: string): string {
  const require = createRequire(join(repoRoot, 'package.json'));
  const index = join(dirname(require.resolve(`${packageName}/package.json`)), 'dist-types', 'index.d.ts');
  const match = /export \* from "\.\/(\w+Client)"/.exec(readFileSync(index, 'utf8'));
  if (match === null) throw new Error(`no client class found in ${packageName}`);
  const [, clientClass] = match;
  if (clientClass === undefined) throw new Error(`no client class found in ${packageName}`);
  return clientClass;
}

/** A bundle of nothing but the function's SDK clients, built as HouseFunction builds bundles. */
async function floorBundle(packages: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trm-bench-floor-'));
  const lines: string[] = [];
  const clients = packages.filter((name) => name !== '@aws-sdk/lib-dynamodb');
  lines.push(...clients.map((name, i) => `import { ${clientClassOf(name)} as Client${i} } from '${name}';`));
  if (packages.includes('@aws-sdk/lib-dynamodb')) lines.push(`import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';`);
  lines.push(`export const clients = [${clients.map((_, i) => `new Client${i}({})`).join(', ')}];`);
  if (packages.includes('@aws-sdk/lib-dynamodb')) {
    const dynamo = clients.indexOf('@aws-sdk/client-dynamodb');
    lines.push(`export const documents = DynamoDBDocumentClient.from(clients[${dynamo}]);`);
  }
  const entry = join(repoRoot, '.local', `bench-floor-entry-${process.pid}.mjs`);
  writeFileSync(entry, lines.join('\n'));
  const outfile = join(dir, 'index.mjs');
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      mainFields: ['module', 'main'],
      minify: true,
      banner: {
        js: "import { createRequire as __trmCreateRequire } from 'node:module'; const require = __trmCreateRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
  } finally {
    rmSync(entry, { force: true });
  }
  return outfile;
}

/** Section 3 of the benchmark: each function beside the floor its AWS SDK clients set. */
export async function measureBundles(cdkOutDir: string): Promise<Array<Array<string>>> {
  const bare = processTime(['-e', '']);
  const stack = await startLocalStack({ cdkOutDir, port: 0, seeders: [], logDir: join(tmpdir(), 'trm-bench-logs') });
  const specs = stack.functions();
  const endpoints = stack.endpoints;
  await stack.stop();
  const rows: string[][] = [];
  const floors = new Map<string, { size: number; init: number }>();
  for (const spec of specs) {
    const env = workerEnvironment(spec, endpoints);
    const size = statSync(spec.handlerFile).size;
    const init = importTime(spec.handlerFile, env);
    const packages = sdkClientsOf(spec.handlerFile);
    const key = packages.join(',');
    let floor = floors.get(key);
    if (floor === undefined) {
      const bundle = await floorBundle(packages);
      floor = { size: statSync(bundle).size, init: importTime(bundle, env) };
      floors.set(key, floor);
    }
    rows.push([
      `${shortId(spec.logicalId)} (${packages.map((name) => name.replace('@aws-sdk/', '')).join(' + ')})`,
      kb(size),
      kb(floor.size),
      `${((size / floor.size - 1) * 100).toFixed(0)}%`,
      ms(init),
      ms(floor.init),
      `${((init / floor.init - 1) * 100).toFixed(0)}%`,
      ms(bare),
    ]);
  }
  return rows;
}
