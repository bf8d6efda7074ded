import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

/** What a logical id resolves to once its resource exists locally. */
export interface ResolvedResource {
  ref: string;
  attributes: Record<string, string>;
}

export type ResourceContext = Record<string, ResolvedResource>;

export interface ResolveOptions {
  /** Where `value` sits in the template, so errors can point at it. */
  path?: string;
  region?: string;
  stackName?: string;
}

export interface StackTemplateLocation {
  stackName: string;
  templatePath: string;
}

export const localRegion = 'eu-west-3';
export const localAccountId = '000000000000';

interface ManifestArtifact {
  type: string;
  properties?: { templateFile?: string; stackName?: string };
}

export function locateStackTemplate(cdkOutDir: string, stackName?: string): StackTemplateLocation {
  const manifestPath = join(cdkOutDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    artifacts?: Record<string, ManifestArtifact>;
  };
  const stacks = Object.entries(manifest.artifacts ?? {})
    .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
    .map(([id, artifact]) => ({
      stackName: artifact.properties?.stackName ?? id,
      templateFile: artifact.properties?.templateFile,
      id,
    }));
  const candidates = stackName === undefined ? stacks : stacks.filter((stack) => stack.stackName === stackName || stack.id === stackName);
  const names = stacks.map((s) => s.stackName).join(', ') || 'none';
  if (candidates.length !== 1) {
    const wanted = stackName === undefined ? 'exactly one stack' : `stack ${stackName}`;
    throw new Error(`${manifestPath}: expected ${wanted}, found: ${names}`);
  }
  const [stack] = candidates as [(typeof candidates)[number]];
  if (stack.templateFile === undefined) {
    throw new Error(`${manifestPath}: stack ${stack.stackName} has no templateFile`);
  }
  return { stackName: stack.stackName, templatePath: join(cdkOutDir, stack.templateFile) };
}

export function loadStackTemplate(cdkOutDir: string, stackName?: string): CfnTemplate {
  const { templatePath } = locateStackTemplate(cdkOutDir, stackName);
  return JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
}

/** Removes the enclosing key or list element, as CloudFormation does. */
const NoValue = Symbol('AWS::NoValue');

type Resolver = (args: unknown, path: string, state: ResolveState) => unknown;

interface ResolveState {
  ctx: ResourceContext;
  pseudo: Record<string, string>;
}

/** Which properties of a resource the local stack acts on, and which it knowingly passes over. */
export interface KnownProperties {
  used: readonly string[];
  ignored: readonly string[];
}

/**
 * A resource's properties, stopping at one the local stack does not know (naming it), with the
 * intrinsics of those it acts on resolved and the passed-over ones dropped.
 */
export function knownProperties(
  raw: Record<string, unknown>,
  known: KnownProperties,
  ctx: ResourceContext,
  { at, type, stackName }: { at: string; type: string; stackName: string }
): Record<string, unknown> {
  for (const name of Object.keys(raw)) {
    if (!known.used.includes(name) && !known.ignored.includes(name)) throw new Error(`${at}: unsupported ${type} property ${name}`);
  }
  const used = Object.fromEntries(Object.entries(raw).filter(([name]) => known.used.includes(name)));
  return resolveIntrinsics(used, ctx, { path: `${at}.Properties`, stackName }) as Record<string, unknown>;
}

export function resolveIntrinsics(value: unknown, ctx: ResourceContext, options: ResolveOptions = {}): unknown {
  const state: ResolveState = { ctx, pseudo: pseudoParameters(options) };
  const resolved = resolveValue(value, options.path ?? '$', state);
  return resolved === NoValue ? undefined : resolved;
}

/** Like resolveIntrinsics, for places where CloudFormation only accepts a string. */
export function resolveString(value: unknown, ctx: ResourceContext, options: ResolveOptions = {}): string {
  const resolved = resolveIntrinsics(value, ctx, options);
  if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
  return expectString(resolved, options.path ?? '$');
}

function pseudoParameters(options: ResolveOptions): Record<string, string> {
  return {
    'AWS::Region': options.region ?? localRegion,
    'AWS::AccountId': localAccountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': options.stackName ?? 'local',
  };
}

function resolveValue(value: unknown, path: string, state: ResolveState): unknown {
  if (Array.isArray(value)) {
    return value.map((item, i) => resolveValue(item, `${path}[${i}]`, state)).filter((item) => item !== NoValue);
  }
  if (!isRecord(value)) return value;
  const intrinsic = intrinsicName(value);
  if (intrinsic !== undefined) {
    const resolver = Resolvers[intrinsic];
    if (resolver === undefined) throw new Error(`unsupported intrinsic ${intrinsic} in ${path}`);
    return resolver(value[intrinsic], `${path}.${intrinsic}`, state);
  }
  const entries = Object.entries(value)
    .map(([key, item]) => [key, resolveValue(item, `${path}.${key}`, state)] as const)
    .filter(([, item]) => item !== NoValue);
  return Object.fromEntries(entries);
}

/** CloudFormation intrinsics are single-key objects whose key is `Ref` or `Fn::*`. */
function intrinsicName(value: Record<string, unknown>): string | undefined {
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [key] = keys as [string];
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

const Resolvers: Record<string, Resolver> = {
  Ref: (name, path, state) => resolveRef(expectString(name, path), path, state),
  'Fn::GetAtt': (args, path, state) => {
    const [logicalId, attribute] = getAttArguments(resolveValue(args, path, state), path);
    return resolveGetAtt(logicalId, attribute, path, state);
  },
  'Fn::Join': (args, path, state) => {
    const [delimiter, list] = expectTuple(resolveValue(args, path, state), 2, path);
    return expectStringList(list, path).join(expectString(delimiter, path));
  },
  'Fn::Select': (args, path, state) => {
    const [index, list] = expectTuple(resolveValue(args, path, state), 2, path);
    const items = expectList(list, path);
    const position = Number(index);
    if (!Number.isInteger(position) || position < 0 || position >= items.length) {
      const range = `out of range (${items.length} items)`;
      throw new Error(`Fn::Select index ${String(index)} ${range} in ${path}`);
    }
    return items[position];
  },
  'Fn::Split': (args, path, state) => {
    const [delimiter, source] = expectTuple(resolveValue(args, path, state), 2, path);
    return expectString(source, path).split(expectString(delimiter, path));
  },
  'Fn::Sub': (args, path, state) => {
    if (typeof args === 'string') return substitute(args, {}, path, state);
    const [template, variables] = expectTuple(args, 2, path);
    const resolvedVariables = resolveValue(variables, `${path}[1]`, state);
    if (!isRecord(resolvedVariables)) throw new Error(`Fn::Sub variables must be an object in ${path}`);
    return substitute(expectString(template, path), resolvedVariables, path, state);
  },
};

function resolveRef(name: string, path: string, state: ResolveState): unknown {
  if (name === 'AWS::NoValue') return NoValue;
  const pseudo = state.pseudo[name];
  if (pseudo !== undefined) return pseudo;
  if (name.startsWith('AWS::')) throw new Error(`unsupported pseudo parameter ${name} in ${path}`);
  return resourceOf(name, path, state).ref;
}

function resolveGetAtt(logicalId: string, attribute: string, path: string, state: ResolveState): string {
  const value = resourceOf(logicalId, path, state).attributes[attribute];
  if (value === undefined) throw new Error(`unknown attribute ${logicalId}.${attribute} in ${path}`);
  return value;
}

function resourceOf(logicalId: string, path: string, state: ResolveState): ResolvedResource {
  const resource = state.ctx[logicalId];
  if (resource === undefined) throw new Error(`unknown logical id ${logicalId} in ${path}`);
  return resource;
}

function getAttArguments(args: unknown, path: string): [string, string] {
  if (typeof args === 'string') {
    const dot = args.indexOf('.');
    if (dot > 0) return [args.slice(0, dot), args.slice(dot + 1)];
  }
  const [logicalId, attribute] = expectTuple(args, 2, path);
  return [expectString(logicalId, path), expectString(attribute, path)];
}

/** `${Name}` is a variable, pseudo parameter or Ref; `${Id.Attr}` a GetAtt; `${!Literal}` escapes. */
function substitute(template: string, variables: Record<string, unknown>, path: string, state: ResolveState): string {
  return template.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return expectString(variables[name], `${path}.${name}`);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) {
      return resolveGetAtt(name.slice(0, dot), name.slice(dot + 1), path, state);
    }
    return expectString(resolveRef(name, path, state), path);
  });
}

/** Logical ids that `value` refers to; pseudo parameters and Fn::Sub variables are not ids. */
export function referencedLogicalIds(value: unknown): Set<string> {
  const ids = new Set<string>();
  collectReferences(value, ids);
  return ids;
}

function collectReferences(value: unknown, ids: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, ids);
    return;
  }
  if (!isRecord(value)) return;
  const intrinsic = intrinsicName(value);
  const args = intrinsic === undefined ? undefined : value[intrinsic];
  if (intrinsic === 'Ref' && typeof args === 'string' && !args.startsWith('AWS::')) ids.add(args);
  else if (intrinsic === 'Fn::GetAtt') collectGetAttReference(args, ids);
  else if (intrinsic === 'Fn::Sub') collectSubReferences(args, ids);
  else for (const item of Object.values(value)) collectReferences(item, ids);
}

function collectGetAttReference(args: unknown, ids: Set<string>): void {
  const target: unknown = typeof args === 'string' ? args.split('.')[0] : Array.isArray(args) && args[0];
  if (typeof target === 'string') ids.add(target);
}

function collectSubReferences(args: unknown, ids: Set<string>): void {
  const [template, variables] = Array.isArray(args) ? args : [args, {}];
  if (typeof template !== 'string') return;
  const names = isRecord(variables) ? variables : {};
  for (const [, name] of template.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    const id = (name as string).split('.')[0] as string;
    if (!(id in names) && !id.startsWith('AWS::')) ids.add(id);
  }
  collectReferences(names, ids);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw new Error(`expected a string, got ${JSON.stringify(value)} in ${path}`);
  }
  return value;
}

function expectList(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)} in ${path}`);
  return value;
}

function expectStringList(value: unknown, path: string): string[] {
  return expectList(value, path).map((item) => expectString(item, path));
}

function expectTuple(value: unknown, length: number, path: string): unknown[] {
  const list = expectList(value, path);
  if (list.length !== length) {
    throw new Error(`expected ${length} arguments, got ${list.length} in ${path}`);
  }
  return list;
}
