import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleManifestFile } from '../../infra/bundle-cache.ts';
import { bundleDirName, bundleFunctions, projectRoot } from '../../infra/bundling.ts';

/*
 * The synth's bundle cache (infra/bundle-cache.ts) on a copy of the real sources, so a test can
 * change a function without touching the repository. A few entries, not all: three that include
 * functions/commons/document-views.ts and three that do not.
 */
const Entries = ['attach-document.ts', 'get-document.ts', 'list-documents.ts', 'accept-referral.ts', 'authorizer.ts', 'health.ts'];
const SharedFile = join('functions', 'commons', 'document-views.ts');

const root = mkdtempSync(join(tmpdir(), 'trm-bundle-cache-'));
for (const source of ['functions', 'events', 'package.json', 'package-lock.json', 'tsconfig.json']) {
  cpSync(join(projectRoot, source), join(root, source), { recursive: true });
}
symlinkSync(realpathSync(join(projectRoot, 'node_modules')), join(root, 'node_modules'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const targets = Entries.map((entry) => ({ entry: join(root, 'functions', entry), dir: bundleDirName(entry) }));
const outdir = (): string => mkdtempSync(join(tmpdir(), 'trm-bundle-cache-out-'));

/** Each bundle's files: their bytes and when they were last written. */
const snapshot = (dir: string): Record<string, { bytes: string; mtimeMs: number }> =>
  Object.fromEntries(
    targets.flatMap((target) =>
      readdirSync(join(dir, target.dir)).map((file) => {
        const path = join(dir, target.dir, file);
        return [join(target.dir, file), { bytes: readFileSync(path, 'utf8'), mtimeMs: statSync(path).mtimeMs }];
      })
    )
  );

const changedDirs = (before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>): string[] =>
  [
    ...new Set(
      Object.keys(after)
        .filter((file) => after[file]?.bytes !== before[file]?.bytes)
        .map((file) => dirname(file))
    ),
  ].sort();

/** The bundles whose source map lists a file that matches: the ones that include it. */
const includingAny = (dir: string, matches: (file: string) => boolean): string[] =>
  targets
    .filter((target) => {
      const map = JSON.parse(readFileSync(join(dir, target.dir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      return map.sources.some((source) => matches(resolve(dir, target.dir, source)));
    })
    .map((target) => target.dir)
    .sort();
const including = (dir: string, file: string): string[] => includingAny(dir, (source) => source === join(root, file));

const append = (file: string, code: string): void => writeFileSync(join(root, file), `${readFileSync(join(root, file), 'utf8')}${code}`);

describe('the synth rebuilds only the bundles whose inputs changed', () => {
  const cached = outdir();

  it('builds every bundle into an empty output directory, and none again when nothing changed', () => {
    const cold = bundleFunctions(targets, cached, root);
    expect(cold).toMatchObject({ built: targets.map(({ dir }) => dir), reused: [] });
    const first = snapshot(cached);
    const again = bundleFunctions(targets, cached, root);
    expect(again).toMatchObject({ built: [], reused: targets.map(({ dir }) => dir) });
    expect(again.hashes).toEqual(cold.hashes);
    expect(new Set(Object.values(cold.hashes)).size).toBe(targets.length);
    // Not even rewritten with the same bytes: esbuild did not run for them.
    expect(snapshot(cached)).toEqual(first);
  });

  it("rebuilds one function's bundle when its entry file changes", () => {
    const before = snapshot(cached);
    const hashesBefore = bundleFunctions(targets, cached, root).hashes;
    append(join('functions', 'health.ts'), '\nexport const cacheProbe = "entry changed";\n');
    const after = bundleFunctions(targets, cached, root);
    expect(after.built).toEqual([bundleDirName('health.ts')]);
    expect(changedDirs(before, snapshot(cached))).toEqual([bundleDirName('health.ts')]);
    // Its asset hash moved with its bytes; the others' stayed.
    expect(Object.keys(after.hashes).filter((dir) => after.hashes[dir] !== hashesBefore[dir])).toEqual([bundleDirName('health.ts')]);
  });

  it('rebuilds every bundle that includes a changed shared file, and only those', () => {
    const expected = including(cached, SharedFile);
    // Some, not all: otherwise the test could not tell a selective rebuild from a full one.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(targets.length);
    const before = snapshot(cached);
    append(SharedFile, '\nconsole.log("shared file changed");\n');
    expect(bundleFunctions(targets, cached, root).built.sort()).toEqual(expected);
    expect(changedDirs(before, snapshot(cached))).toEqual(expected);
  });

  it('rebuilds the bundles with an input in a directory that gains a file, which could change what an import resolves to', () => {
    const commons = join(root, 'functions', 'commons');
    const expected = includingAny(cached, (source) => resolve(source, '..') === commons);
    expect(expected).toEqual(expect.arrayContaining(including(cached, SharedFile)));
    writeFileSync(join(commons, 'document-views.js'), 'export {};\n');
    expect(bundleFunctions(targets, cached, root).built.sort()).toEqual(expected);
  });

  it('rebuilds every bundle when the build key changes (package.json, with its `imports`)', () => {
    append('package.json', '\n');
    expect(bundleFunctions(targets, cached, root).built).toEqual(targets.map(({ dir }) => dir));
  });

  it("leaves bundles byte for byte equal to a from-scratch build's", () => {
    const scratch = outdir();
    const fromScratch = bundleFunctions(targets, scratch, root);
    expect(bundleFunctions(targets, cached, root).hashes).toEqual(fromScratch.hashes);
    const strip = (files: ReturnType<typeof snapshot>): Record<string, string> =>
      Object.fromEntries(Object.entries(files).map(([file, { bytes }]) => [file, bytes]));
    expect(strip(snapshot(cached))).toEqual(strip(snapshot(scratch)));
    expect(JSON.parse(readFileSync(join(cached, bundleManifestFile), 'utf8')).key).toBe(
      JSON.parse(readFileSync(join(scratch, bundleManifestFile), 'utf8')).key
    );
  });
});
