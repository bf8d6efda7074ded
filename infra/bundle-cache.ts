import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type BuildOptions, version as esbuildVersion, type Metafile } from 'esbuild';

/*
 * Which bundles in a synth's output directory can be kept as they are. The synth records, per
 * bundle, what it was built from; the next synth rebuilds only the bundles whose record no longer
 * holds, so an unchanged function keeps its bytes and so its asset hash.
 *
 * A record holds when, all at once:
 * - the build key is the same: the build options (outdir aside), the esbuild version, and the
 *   files that steer module resolution for every entry (package.json with its `imports`,
 *   tsconfig.json, package-lock.json and the installed tree's node_modules/.package-lock.json);
 * - every file the entry reached (esbuild's metafile import graph from the entry, node_modules
 *   included) has the content it had;
 * - every directory of ours holding one of those files lists the same names: a file added beside
 *   them (a `.js` twin, a `node_modules/`, an `index.ts`) could change what an import resolves to;
 * - the bundle's files are still there, with the size and modification time the build left.
 * What it does not see: a file added to an ancestor directory outside those listed (a new
 * `node_modules/` above the project) or a node_modules package edited by hand without an install.
 * Anything it cannot read counts as changed, so it errs towards rebuilding.
 */

export const bundleManifestFile = 'bundle-manifest.json';
/** Part of the build key: a manifest written by another layout of it reuses nothing. */
const ManifestFormat = 2;

interface BundleRecord {
  entry: string;
  /** Content hash of each input, by path relative to the build's working directory. */
  inputs: Record<string, string>;
  /** Hash of the names in each directory of ours holding an input. */
  dirs: Record<string, string>;
  /** Size and modification time of each output file, relative to the outdir. */
  outputs: Record<string, [number, number]>;
  /** SHA-256 of the bundle's files, names and contents: its asset hash. */
  hash: string;
}

interface BundleManifest {
  key: string;
  bundles: Record<string, BundleRecord>;
}

/**
 * As written to disk: the bundles share most of their inputs, so each (name, hash) pair is written
 * once and a bundle lists the indices of its own (59 bundles of ~1,000 inputs each would otherwise
 * make a manifest of 8 MB).
 */
interface StoredManifest {
  key: string;
  pairs: [string, string][];
  bundles: Record<string, { entry: string; inputs: number[]; dirs: number[]; outputs: BundleRecord['outputs']; hash: string }>;
}

function store(manifest: BundleManifest): StoredManifest {
  const pairs: [string, string][] = [];
  const indices = new Map<string, number>();
  const indexOf = (name: string, hash: string): number => {
    const key = `${name}\0${hash}`;
    let index = indices.get(key);
    if (index === undefined) {
      index = pairs.push([name, hash]) - 1;
      indices.set(key, index);
    }
    return index;
  };
  const bundles: StoredManifest['bundles'] = {};
  for (const [dir, record] of Object.entries(manifest.bundles)) {
    bundles[dir] = {
      entry: record.entry,
      inputs: Object.entries(record.inputs).map(([name, hash]) => indexOf(name, hash)),
      dirs: Object.entries(record.dirs).map(([name, hash]) => indexOf(name, hash)),
      outputs: record.outputs,
      hash: record.hash,
    };
  }
  return { key: manifest.key, pairs, bundles };
}

function load(stored: StoredManifest): BundleManifest {
  const pairsAt = (indices: number[]): Record<string, string> =>
    Object.fromEntries(indices.map((index) => stored.pairs[index] ?? ['', 'unknown']));
  const bundles: Record<string, BundleRecord> = {};
  for (const [dir, { entry, inputs, dirs, outputs, hash }] of Object.entries(stored.bundles)) {
    bundles[dir] = { entry, inputs: pairsAt(inputs), dirs: pairsAt(dirs), outputs, hash };
  }
  return { key: stored.key, bundles };
}

const ResolutionFiles = ['package.json', 'tsconfig.json', 'package-lock.json', join('node_modules', '.package-lock.json')];
const OutputFiles = ['index.mjs', 'index.mjs.map'];

const digest = (content: string | Buffer): string => createHash('sha1').update(content).digest('hex');

/** Content hashes memoized for one synth: the bundles share most of their inputs. */
class FileHashes {
  private readonly known = new Map<string, string>();
  constructor(private readonly root: string) {}

  of(path: string): string {
    let hash = this.known.get(path);
    if (hash === undefined) {
      try {
        hash = digest(readFileSync(resolve(this.root, path)));
      } catch {
        // A virtual input (esbuild's `(disabled):` modules) or a file gone: hash its name.
        hash = `missing:${path}`;
      }
      this.known.set(path, hash);
    }
    return hash;
  }

  listing(dir: string): string {
    const key = `dir:${dir}`;
    let hash = this.known.get(key);
    if (hash === undefined) {
      try {
        hash = digest(readdirSync(resolve(this.root, dir)).sort().join('\n'));
      } catch {
        hash = `missing:${dir}`;
      }
      this.known.set(key, hash);
    }
    return hash;
  }
}

/** What every bundle of a build depends on besides its own inputs. */
export function buildKey(options: BuildOptions): string {
  const root = options.absWorkingDir as string;
  const { entryPoints: _entries, outdir: _outdir, metafile: _metafile, write: _write, ...shared } = options;
  const files = ResolutionFiles.map((file) => {
    const path = join(root, file);
    return `${file}:${existsSync(path) ? digest(readFileSync(path)) : 'none'}`;
  });
  return digest(JSON.stringify({ format: ManifestFormat, esbuild: esbuildVersion, options: shared, files }));
}

export class BundleCache {
  private readonly manifest: BundleManifest;
  private readonly hashes: FileHashes;

  constructor(
    private readonly outdir: string,
    root: string,
    key: string
  ) {
    this.hashes = new FileHashes(root);
    this.manifest = { key, bundles: {} };
    const file = join(outdir, bundleManifestFile);
    if (!existsSync(file)) return;
    try {
      const recorded = load(JSON.parse(readFileSync(file, 'utf8')) as StoredManifest);
      if (recorded.key === key) this.manifest.bundles = recorded.bundles;
    } catch {
      // An unreadable manifest reuses nothing.
    }
  }

  /** The bundle in `dir` was built from `entry` (relative to the root) and nothing it reached changed. */
  isFresh(dir: string, entry: string): boolean {
    const record = this.manifest.bundles[dir];
    if (record === undefined || record.entry !== entry || typeof record.hash !== 'string') return false;
    for (const [file, [size, mtimeMs]] of Object.entries(record.outputs)) {
      const path = join(this.outdir, file);
      if (!existsSync(path)) return false;
      const stat = statSync(path);
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
    }
    return (
      Object.entries(record.inputs).every(([path, hash]) => this.hashes.of(path) === hash) &&
      Object.entries(record.dirs).every(([dir, hash]) => this.hashes.listing(dir) === hash)
    );
  }

  /** The content hash of a bundle this cache holds (fresh or just recorded). */
  hashOf(dir: string): string {
    const hash = this.manifest.bundles[dir]?.hash;
    if (hash === undefined) throw new Error(`no bundle recorded in ${dir}`);
    return hash;
  }

  /** Forgets these bundles before they are rebuilt, so a build that fails halfway reuses none of them. */
  forget(dirs: readonly string[]): void {
    for (const dir of dirs) delete this.manifest.bundles[dir];
    this.save();
  }

  /** Records what each of these bundles was built from, as the build's metafile says. */
  record(targets: readonly { entry: string; dir: string }[], metafile: Metafile): void {
    for (const { entry, dir } of targets) {
      const inputs: Record<string, string> = {};
      const dirs: Record<string, string> = {};
      for (const input of reachedFrom(entry, metafile)) {
        inputs[input] = this.hashes.of(input);
        if (!input.split(/[\\/]/).includes('node_modules') && !input.includes(':')) {
          dirs[dirname(input)] = this.hashes.listing(dirname(input));
        }
      }
      const outputs: Record<string, [number, number]> = {};
      const content = createHash('sha256');
      for (const file of OutputFiles) {
        const stat = statSync(join(this.outdir, dir, file));
        outputs[join(dir, file)] = [stat.size, stat.mtimeMs];
        content.update(`${file}\0${stat.size}\0`).update(readFileSync(join(this.outdir, dir, file)));
      }
      this.manifest.bundles[dir] = { entry, inputs, dirs, outputs, hash: content.digest('hex') };
    }
    this.save();
  }

  private save(): void {
    const file = join(this.outdir, bundleManifestFile);
    if (Object.keys(this.manifest.bundles).length === 0) rmSync(file, { force: true });
    else writeFileSync(file, `${JSON.stringify(store(this.manifest))}\n`);
  }
}

/** The inputs an entry reaches through the metafile's import graph, itself included. */
function reachedFrom(entry: string, metafile: Metafile): string[] {
  const reached = new Set<string>();
  const pending = [entry];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (reached.has(next)) continue;
    reached.add(next);
    for (const imported of metafile.inputs[next]?.imports ?? []) {
      if (!imported.external && imported.path in metafile.inputs) pending.push(imported.path);
    }
  }
  if (!(entry in metafile.inputs)) throw new Error(`esbuild's metafile does not list the entry ${entry}`);
  return [...reached].sort();
}

/** An entry's path as the metafile names it: relative to the working directory, with `/`. */
export const metafilePath = (root: string, entry: string): string => relative(root, entry).split(sep).join('/');
