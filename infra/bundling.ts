import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import { BundleCache, buildKey, metafilePath } from './bundle-cache.ts';

/*
 * How every function is bundled, in one place: the CDK app builds all of them in one esbuild call
 * at synth time, and the local stack rebuilds a saved function with these very options.
 */

export const projectRoot = fileURLToPath(new URL('../', import.meta.url));
/** Every top-level `.ts` file of this directory is one Lambda's entry file. */
export const functionsDir = join(projectRoot, 'functions');
/** The module file and export every bundle's `Handler` names. */
export const bundleHandler = 'index.handler';
/**
 * Template metadata on each function: the entry file (relative to the project root) its asset
 * was built from, so the local stack can rebuild that asset without synthesizing.
 */
export const bundleEntryMetadata = 'trm:bundle-entry';
/**
 * Asset directories of a cloud assembly the local stack rebuilt in place: their content no longer
 * matches the hash in their name, so the next synth into that assembly removes them before CDK
 * would reuse them as they are.
 */
export const rebuiltAssetsFile = 'rebuilt-assets.json';

/**
 * ESM bundles have no `require`; some transitive CommonJS dependencies still call it, so every
 * bundle gets one built from its own URL.
 */
export const createRequireBanner =
  "import { createRequire as __trmCreateRequire } from 'node:module'; const require = __trmCreateRequire(import.meta.url);";

export interface BundleTarget {
  /** Absolute path of the entry file. */
  entry: string;
  /** Directory of the bundle, relative to the build's `outdir`; it receives `index.mjs` and its map. */
  dir: string;
}

/**
 * Node 24 ESM, minified, with external source maps without the sources, everything bundled (the
 * AWS SDK included, so a function runs the SDK version it was tested with, not the runtime's), one
 * self-contained bundle per entry (no code splitting). Deterministic: the same sources give the
 * same bytes, which keeps asset hashes stable.
 */
export function bundleOptions(
  targets: readonly BundleTarget[],
  outdir: string,
  root: string = projectRoot
): BuildOptions & { outdir: string; absWorkingDir: string } {
  return {
    entryPoints: targets.map(({ entry, dir }) => ({ in: entry, out: join(dir, 'index') })),
    outdir,
    absWorkingDir: root,
    bundle: true,
    splitting: false,
    format: 'esm',
    target: 'node24',
    platform: 'node',
    mainFields: ['module', 'main'],
    outExtension: { '.js': '.mjs' },
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    external: [],
    banner: { js: createRequireBanner },
    logLevel: 'silent',
  };
}

/** The entry files of the functions: `functions/*.ts`, by file name. */
export function functionEntries(): string[] {
  return readdirSync(functionsDir)
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

/** Where the synth writes a function's bundle, beside the `asset.*` directories CDK stages it into. */
export const bundleDirName = (entry: string): string => `bundle-${entry.replace(/\.ts$/, '')}`;

/**
 * Bundles every function entry into `<outdir>/bundle-<name>/`. The directories sit at the depth of
 * the staged `asset.*` copies, so the source maps' relative paths hold in both.
 */
export function bundleAllFunctions(outdir: string): BundlingReport {
  forgetRebuiltAssets(outdir);
  return bundleFunctions(
    functionEntries().map((entry) => ({ entry: join(functionsDir, entry), dir: bundleDirName(entry) })),
    outdir
  );
}

export interface BundlingReport {
  /** The bundle directories esbuild wrote. */
  built: string[];
  /** The bundle directories kept as they were: nothing they were built from changed. */
  reused: string[];
  /**
   * The content hash of every bundle, by directory, taken when it was built: the asset hash, so
   * CDK need not fingerprint the 110 MB of bundles again at each synth (its own fingerprint cache
   * keeps 50 directories, fewer than there are functions, so it never hits).
   */
  hashes: Record<string, string>;
}

/**
 * Builds the bundles of these targets in one esbuild call, except those the output directory
 * already holds from unchanged inputs (`infra/bundle-cache.ts`): they keep their bytes, and so
 * their asset hashes. An empty outdir builds them all.
 */
export function bundleFunctions(targets: readonly BundleTarget[], outdir: string, root: string = projectRoot): BundlingReport {
  mkdirSync(outdir, { recursive: true });
  const options = bundleOptions(targets, outdir, root);
  const cache = new BundleCache(outdir, root, buildKey(options));
  const stale = targets.filter(({ entry, dir }) => !cache.isFresh(dir, metafilePath(root, entry)));
  const reused = targets.filter((target) => !stale.includes(target)).map(({ dir }) => dir);
  if (stale.length > 0) {
    cache.forget(stale.map(({ dir }) => dir));
    const { metafile } = buildSync({ ...bundleOptions(stale, outdir, root), metafile: true });
    cache.record(
      stale.map(({ entry, dir }) => ({ entry: metafilePath(root, entry), dir })),
      metafile as Metafile
    );
  }
  const hashes = Object.fromEntries(targets.map(({ dir }) => [dir, cache.hashOf(dir)]));
  return { built: stale.map(({ dir }) => dir), reused, hashes };
}

/** Records asset directories rebuilt in place (see `rebuiltAssetsFile`). */
export function recordRebuiltAssets(outdir: string, assetDirs: readonly string[]): void {
  const file = join(outdir, rebuiltAssetsFile);
  const known = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as string[]) : [];
  const names = assetDirs.map((dir) => basename(dir));
  writeFileSync(file, `${JSON.stringify([...new Set([...known, ...names])].sort(), null, 2)}\n`);
}

function forgetRebuiltAssets(outdir: string): void {
  const file = join(outdir, rebuiltAssetsFile);
  if (!existsSync(file)) return;
  for (const name of JSON.parse(readFileSync(file, 'utf8')) as string[]) {
    if (/^asset\.[0-9a-f]+$/.test(name)) rmSync(join(outdir, name), { recursive: true, force: true });
  }
  rmSync(file);
}
