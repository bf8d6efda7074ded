import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type BuildContext, context } from 'esbuild';
import { bundleOptions, recordRebuiltAssets } from '../bundling.ts';
import type { FunctionSpec } from './functions.ts';

/** The part of the runtime a code reload needs: what runs, and new environments for some of it. */
export interface RestartableRuntime {
  specs(): FunctionSpec[];
  load(specs: FunctionSpec[], only?: readonly string[]): void;
}

const WarmSourcesAfterMs = 1_000;
/** esbuild contexts kept at once: each holds its parsed modules in memory. */
const KeptContexts = 8;

/**
 * Rebuilds the bundles of the running functions that include a saved file, with the build options
 * the CDK app uses (`infra/bundling.ts`), into the asset directories the running template points
 * at, and restarts only the functions whose bundle changed. No synth: the template, and so what
 * runs where, is unchanged. The esbuild context of each set of functions rebuilt is kept (the
 * last few), so saving a function again, or going back to one saved before, is an incremental
 * rebuild.
 */
export class CodeReloader {
  /** By the JSON of their targets, least recently used first. */
  private readonly contexts = new Map<string, BuildContext>();
  private readonly warming: NodeJS.Timeout;

  constructor(
    private readonly runtime: RestartableRuntime,
    private readonly cdkOutDir: string
  ) {
    // Reads the running bundles' source maps once, off the path of the first save.
    this.warming = setTimeout(() => functionsIncluding(this.runtime.specs(), []), WarmSourcesAfterMs).unref();
  }

  /**
   * Rebuilds what includes these files (absolute paths) and returns the logical ids of the
   * functions now running new code. A build error throws before anything is written, so the
   * running version stays.
   */
  async reload(changedFiles: readonly string[]): Promise<string[]> {
    const specs = functionsIncluding(this.runtime.specs(), changedFiles);
    if (specs.length === 0) return [];
    // Functions built from the same entry share one asset directory: it is built once.
    const targets = [...new Map(specs.map((spec) => [spec.codeDir, spec])).values()].map((spec) => ({
      entry: spec.bundleEntry as string,
      dir: relative(this.cdkOutDir, spec.codeDir),
    }));
    const { outputFiles = [] } = await (await this.contextOf(targets)).rebuild();
    const changedDirs = new Set<string>();
    for (const file of outputFiles) {
      if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
      writeFileSync(file.path, file.contents);
      changedDirs.add(dirname(file.path));
    }
    if (changedDirs.size === 0) return [];
    recordRebuiltAssets(this.cdkOutDir, [...changedDirs]);
    const restarted = specs.filter((spec) => changedDirs.has(resolve(spec.codeDir))).map((spec) => spec.logicalId);
    this.runtime.load(this.runtime.specs(), restarted);
    return restarted;
  }

  private async contextOf(targets: { entry: string; dir: string }[]): Promise<BuildContext> {
    const key = JSON.stringify(targets);
    let build = this.contexts.get(key);
    this.contexts.delete(key);
    build ??= await context({ ...bundleOptions(targets, this.cdkOutDir), write: false });
    this.contexts.set(key, build);
    for (const [oldest, old] of this.contexts) {
      if (this.contexts.size <= KeptContexts) break;
      this.contexts.delete(oldest);
      await old.dispose();
    }
    return build;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.warming);
    const builds = [...this.contexts.values()];
    this.contexts.clear();
    await Promise.all(builds.map((build) => build.dispose()));
  }
}

/**
 * The functions built from one of our entry files whose bundle includes one of these files, as
 * its source map lists them (relative to the map). A file no bundle includes yet is only reached
 * through a file that imports it, which changes with it.
 */
export function functionsIncluding(specs: readonly FunctionSpec[], changedFiles: readonly string[]): FunctionSpec[] {
  const changed = new Set(changedFiles.map((file) => resolve(file)));
  const sourcesOf = (codeDir: string): string[] => sourcesListed(join(codeDir, 'index.mjs.map'));
  return specs.filter(
    (spec) =>
      spec.bundleEntry !== undefined && (changed.has(spec.bundleEntry) || sourcesOf(spec.codeDir).some((source) => changed.has(source)))
  );
}

/** The sources of each source map read, while its file is unchanged. */
const sourcesByMap = new Map<string, { size: number; mtimeMs: number; sources: string[] }>();
const MapChunkBytes = 256 * 1024;

/**
 * The absolute paths a source map lists as its sources. The maps are 1 to 2 MB each, nearly all of
 * it `mappings`, and a save looks at every running function's: only the part before `mappings`
 * (esbuild writes `sources` first) is read and parsed, and what was read is kept while the file
 * is unchanged. A map laid out otherwise is parsed whole.
 */
function sourcesListed(map: string): string[] {
  if (!existsSync(map)) return [];
  const { size, mtimeMs } = statSync(map);
  const known = sourcesByMap.get(map);
  if (known !== undefined && known.size === size && known.mtimeMs === mtimeMs) return known.sources;
  const listed = ((parseMapHead(map) ?? JSON.parse(readFileSync(map, 'utf8'))) as { sources?: string[] }).sources ?? [];
  const sources = listed.map((source) => resolve(dirname(map), source));
  sourcesByMap.set(map, { size, mtimeMs, sources });
  return sources;
}

function parseMapHead(map: string): unknown {
  const fd = openSync(map, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(MapChunkBytes);
      const read = readSync(fd, chunk, 0, MapChunkBytes, null);
      if (read === 0) return undefined;
      chunks.push(chunk.subarray(0, read));
      const head = Buffer.concat(chunks).toString('utf8');
      const mappings = head.indexOf('"mappings"');
      if (mappings === -1) continue;
      try {
        const parsed = JSON.parse(`${head.slice(0, mappings).replace(/,\s*$/, '')}}`) as { sources?: unknown };
        // No sources before `mappings`: this map is laid out otherwise.
        return Array.isArray(parsed.sources) ? parsed : undefined;
      } catch {
        return undefined;
      }
    }
  } finally {
    closeSync(fd);
  }
}
