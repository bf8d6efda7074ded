import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { type BuildContext, context } from 'esbuild';
import { bundleOptions, recordRebuiltAssets } from '../bundling.ts';
import type { FunctionSpec } from './functions.ts';

/** The part of the runtime a code reload needs: what runs, and new environments for some of it. */
export interface RestartableRuntime {
  specs(): FunctionSpec[];
  load(specs: FunctionSpec[], only?: readonly string[]): void;
}

/**
 * Rebuilds the bundles of the running functions that include a saved file, with the build options
 * the CDK app uses (`infra/bundling.ts`), into the asset directories the running template points
 * at, and restarts only the functions whose bundle changed. No synth: the template, and so what
 * runs where, is unchanged. The esbuild context is kept while the same functions are rebuilt, so
 * saving the same function again is an incremental rebuild.
 */
export class CodeReloader {
  private current: { key: string; build: BuildContext } | undefined;

  constructor(
    private readonly runtime: RestartableRuntime,
    private readonly cdkOutDir: string
  ) {}

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
    const key = JSON.stringify(targets);
    if (this.current?.key !== key) {
      await this.dispose();
      this.current = { key, build: await context({ ...bundleOptions(targets, this.cdkOutDir), write: false }) };
    }
    const { outputFiles = [] } = await this.current.build.rebuild();
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

  async dispose(): Promise<void> {
    const build = this.current?.build;
    this.current = undefined;
    await build?.dispose();
  }
}

/**
 * The functions built from one of our entry files whose bundle includes one of these files, as
 * its source map lists them (relative to the map). A file no bundle includes yet is only reached
 * through a file that imports it, which changes with it.
 */
export function functionsIncluding(specs: readonly FunctionSpec[], changedFiles: readonly string[]): FunctionSpec[] {
  const changed = new Set(changedFiles.map((file) => resolve(file)));
  const sourcesByDir = new Map<string, string[]>();
  const sourcesOf = (codeDir: string): string[] => {
    let sources = sourcesByDir.get(codeDir);
    if (sources === undefined) {
      const map = join(codeDir, 'index.mjs.map');
      const listed = existsSync(map) ? ((JSON.parse(readFileSync(map, 'utf8')) as { sources?: string[] }).sources ?? []) : [];
      sources = listed.map((source) => resolve(codeDir, source));
      sourcesByDir.set(codeDir, sources);
    }
    return sources;
  };
  return specs.filter(
    (spec) =>
      spec.bundleEntry !== undefined && (changed.has(spec.bundleEntry) || sourcesOf(spec.codeDir).some((source) => changed.has(source)))
  );
}
