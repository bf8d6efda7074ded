import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleDirName, bundleEntryMetadata, bundleOptions, functionEntries, projectRoot } from '../../infra/bundling.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

type FunctionResource = { Properties: { Code: { S3Key: string } }; Metadata: Record<string, Json> };

const assetKeys = (synthesized: ReturnType<typeof synthesizeStack>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(synthesized.template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>).map(([id, fn]) => [
      id,
      fn.Properties.Code.S3Key,
    ])
  );

// Two independent synths of the same sources, each with its own esbuild build.
const first = synthesizeStack();
const second = synthesizeStack();

/** Each bundle file in a synth's output directory: its bytes and when it was last written. */
const bundleFiles = (outdir: string): Record<string, string> =>
  Object.fromEntries(
    functionEntries().flatMap((entry) =>
      ['index.mjs', 'index.mjs.map'].map((file) => {
        const path = join(outdir, bundleDirName(entry), file);
        return [path, `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`];
      })
    )
  );

describe('bundling every function in one build', () => {
  it('gives the same asset hashes when nothing changed', () => {
    const keys = assetKeys(first);
    expect(Object.keys(keys).length).toBeGreaterThan(30);
    expect(assetKeys(second)).toEqual(keys);
    // One asset per entry file: no two functions of different entries share a bundle.
    expect(new Set(Object.values(keys)).size).toBe(Object.keys(keys).length);
  });

  it("reuses every bundle of the output directory's previous synth when nothing changed", () => {
    const before = bundleFiles(first.outdir);
    const again = synthesizeStack({ outdir: first.outdir });
    // Same bytes, not even rewritten: esbuild did not run for them (infra/bundle-cache.ts).
    expect(bundleFiles(first.outdir)).toEqual(before);
    expect(assetKeys(again)).toEqual(assetKeys(first));
  });

  it('records in each function the entry file its asset was built from', () => {
    const functions = first.template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
    for (const fn of Object.values(functions)) {
      const entry = String(fn.Metadata[bundleEntryMetadata]);
      expect(entry).toMatch(/^functions\/[a-z-]+\.ts$/);
      expect(existsSync(join(projectRoot, entry))).toBe(true);
      const map = JSON.parse(
        readFileSync(join(first.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs.map'), 'utf8')
      ) as { sources: string[]; sourcesContent?: unknown };
      // The staged copy's map still points at the entry: the bundle was built at the same depth.
      expect(map.sources.some((source) => source.endsWith(entry))).toBe(true);
      expect(map.sourcesContent).toBeUndefined();
    }
  });

  it('changes only the bundles that include a changed file', () => {
    const sources = mkdtempSync(join(tmpdir(), 'trm-bundling-sources-'));
    const save = (file: string, code: string): void => writeFileSync(join(sources, file), code);
    save('shared.ts', 'export const greeting = (): string => "hello";\n');
    save('a.ts', 'import { greeting } from "./shared.ts";\nexport const handler = async () => greeting() + " a";\n');
    save('b.ts', 'import { greeting } from "./shared.ts";\nexport const handler = async () => greeting() + " b";\n');
    save('c.ts', 'export const handler = async () => "c";\n');
    const build = (): Record<string, string> => {
      const outdir = mkdtempSync(join(tmpdir(), 'trm-bundling-out-'));
      buildSync(
        bundleOptions(
          ['a', 'b', 'c'].map((name) => ({ entry: join(sources, `${name}.ts`), dir: `bundle-${name}` })),
          outdir
        )
      );
      return Object.fromEntries(
        readdirSync(outdir).map((dir) => [
          dir,
          ['index.mjs', 'index.mjs.map'].map((file) => readFileSync(join(outdir, dir, file), 'utf8')).join('\n'),
        ])
      );
    };
    const before = build();
    expect(build()).toEqual(before);

    save('c.ts', 'export const handler = async () => "c, changed";\n');
    const afterC = build();
    expect(Object.keys(afterC).filter((dir) => afterC[dir] !== before[dir])).toEqual(['bundle-c']);

    save('shared.ts', 'export const greeting = (): string => "hello, changed";\n');
    const afterShared = build();
    expect(Object.keys(afterShared).filter((dir) => afterShared[dir] !== afterC[dir])).toEqual(['bundle-a', 'bundle-b']);
  });
});
