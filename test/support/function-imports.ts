import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { functionsDir, projectRoot } from '../../infra/bundling.ts';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * What a function's entry file reaches through its static imports: the project's own source files
 * (functions/, events/, resolved through package.json's `imports` and relative paths) and the
 * packages it imports by name. The same graph esbuild follows for the bundle, read from the sources
 * in milliseconds instead of bundling.
 */
export interface FunctionImports {
  /** Project files, relative to the project root. */
  readonly files: ReadonlySet<string>;
  /** Bare specifiers of packages, e.g. `@aws-lambda-powertools/idempotency/dynamodb`. */
  readonly packages: ReadonlySet<string>;
}

const importPattern =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const subpathImports = Object.entries(packageJson.imports as Record<string, string>).map(([pattern, target]) => ({
  prefix: pattern.replace('*', ''),
  target,
}));

function resolveLocal(specifier: string, from: string): string | undefined {
  const alias = subpathImports.find(({ prefix }) => specifier.startsWith(prefix));
  if (alias !== undefined) return resolve(projectRoot, alias.target.replace('*', specifier.slice(alias.prefix.length)));
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier);
  return undefined;
}

export function importsOf(entry: string): FunctionImports {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (path: string): void => {
    const key = relative(projectRoot, path);
    if (files.has(key)) return;
    if (!existsSync(path)) throw new Error(`${key}: imported but not found`);
    files.add(key);
    for (const match of readFileSync(path, 'utf8').matchAll(importPattern)) {
      const specifier = (match[1] ?? match[2] ?? match[3]) as string;
      const local = resolveLocal(specifier, path);
      if (local !== undefined) visit(local);
      else if (!specifier.startsWith('node:')) packages.add(specifier);
    }
  };
  visit(join(functionsDir, entry));
  return { files, packages };
}
