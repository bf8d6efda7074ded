import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../../infra/local/functions.ts';
import { functionsIncluding } from '../../infra/local/rebundle.ts';

/*
 * Which running functions a saved file concerns, from their source maps: only the head of a map
 * is read (infra/local/rebundle.ts), so the answer must not depend on how the rest is laid out.
 */
const root = mkdtempSync(join(tmpdir(), 'trm-reload-sources-'));
const entry = (name: string): string => join(root, 'functions', `${name}.ts`);

const spec = (name: string, map: Record<string, unknown>, layout: (map: Record<string, unknown>) => string): FunctionSpec => {
  const codeDir = join(root, 'cdk.out', `asset.${name}`);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.mjs.map'), layout(map));
  return { logicalId: name, codeDir, bundleEntry: entry(name) } as FunctionSpec;
};

// As esbuild writes it: `sources` first, then a long `mappings`.
const esbuildLayout = (map: Record<string, unknown>): string =>
  `{\n  "version": 3,\n  "sources": ${JSON.stringify(map.sources)},\n  "mappings": "${'AAAA,'.repeat(200_000)}",\n  "names": []\n}\n`;
// `mappings` first: the head holds no sources, so the whole map is parsed.
const otherLayout = (map: Record<string, unknown>): string => JSON.stringify({ mappings: 'AAAA', ...map });

describe('the functions a saved file concerns', () => {
  const shared = join(root, 'functions', 'commons', 'shared.ts');
  const specs = [
    spec('a', { version: 3, sources: ['../../functions/a.ts', '../../functions/commons/shared.ts'] }, esbuildLayout),
    spec('b', { version: 3, sources: ['../../functions/b.ts'] }, esbuildLayout),
    spec('c', { version: 3, sources: ['../../functions/c.ts', '../../functions/commons/shared.ts'] }, otherLayout),
  ];

  it('are those whose source map lists it, whatever the layout of the map', () => {
    expect(functionsIncluding(specs, [shared]).map(({ logicalId }) => logicalId)).toEqual(['a', 'c']);
    expect(functionsIncluding(specs, [entry('b')]).map(({ logicalId }) => logicalId)).toEqual(['b']);
    expect(functionsIncluding(specs, [join(root, 'functions', 'other.ts')])).toEqual([]);
  });

  it('follow a map rewritten since it was last read', () => {
    expect(functionsIncluding(specs, [shared]).map(({ logicalId }) => logicalId)).toEqual(['a', 'c']);
    const rewritten = spec('b', { version: 3, sources: ['../../functions/b.ts', '../../functions/commons/shared.ts', 'x'] }, esbuildLayout);
    expect(functionsIncluding([specs[0]!, rewritten, specs[2]!], [shared]).map(({ logicalId }) => logicalId)).toEqual(['a', 'b', 'c']);
  });
});
