/**
 * What an EventBridge target receives instead of the whole event, as AWS computes it: a constant
 * `Input`, an `InputPath` (a JSONPath into the event), or an `InputTransformer` (values picked by
 * `InputPathsMap`, put into `InputTemplate` at `<name>`). Checked when the template is read.
 */

export type TargetInput =
  | { kind: 'event' }
  | { kind: 'constant'; text: string }
  | { kind: 'path'; path: string }
  | { kind: 'transformer'; paths: Record<string, string>; template: string };

/** The reserved names EventBridge gives every input template. */
const PredefinedVariables = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event',
  'aws.events.event.ingestion-time',
  'aws.events.event.json',
]);
const MaxInputPaths = 100;

export function readTargetInput(target: Record<string, unknown>, where: string): TargetInput {
  const given = ['Input', 'InputPath', 'InputTransformer'].filter((name) => target[name] !== undefined);
  if (given.length > 1) throw new Error(`${where}: ${given.join(' and ')} exclude each other`);
  if (target.Input !== undefined) {
    const text = String(target.Input);
    try {
      JSON.parse(text);
    } catch {
      throw new Error(`${where}.Input: not valid JSON`);
    }
    return { kind: 'constant', text };
  }
  if (target.InputPath !== undefined) {
    const path = String(target.InputPath);
    parsePath(path, `${where}.InputPath`);
    return { kind: 'path', path };
  }
  const transformer = target.InputTransformer;
  if (transformer === undefined) return { kind: 'event' };
  if (typeof transformer !== 'object' || transformer === null) throw new Error(`${where}.InputTransformer: not an object`);
  const { InputPathsMap = {}, InputTemplate, ...rest } = transformer as Record<string, unknown>;
  for (const name of Object.keys(rest)) throw new Error(`${where}.InputTransformer: unsupported property ${name}`);
  if (typeof InputTemplate !== 'string') throw new Error(`${where}.InputTransformer.InputTemplate: required, a string`);
  const paths = InputPathsMap as Record<string, unknown>;
  if (Object.keys(paths).length > MaxInputPaths) throw new Error(`${where}.InputTransformer.InputPathsMap: at most ${MaxInputPaths} paths`);
  for (const [name, path] of Object.entries(paths)) {
    if (PredefinedVariables.has(name) || name.startsWith('aws.')) {
      throw new Error(`${where}.InputTransformer.InputPathsMap: ${name} is reserved by EventBridge`);
    }
    parsePath(String(path), `${where}.InputTransformer.InputPathsMap.${name}`);
  }
  return { kind: 'transformer', paths: paths as Record<string, string>, template: InputTemplate };
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/** The target's payload as text: JSON, or (from a text input template) plain text. */
export function targetPayload(input: TargetInput, event: Record<string, unknown>, context: InputContext): string {
  switch (input.kind) {
    case 'event':
      return JSON.stringify(event);
    case 'constant':
      return input.text;
    case 'path':
      return JSON.stringify(select(event, input.path) ?? null);
    case 'transformer':
      return transform(input, event, context);
  }
}

function transform(input: Extract<TargetInput, { kind: 'transformer' }>, event: Record<string, unknown>, context: InputContext): string {
  const values: Record<string, unknown> = {
    'aws.events.rule-arn': context.ruleArn,
    'aws.events.rule-name': context.ruleName,
    'aws.events.event.ingestion-time': context.ingestionTime,
    'aws.events.event': event,
    'aws.events.event.json': event,
  };
  for (const [name, path] of Object.entries(input.paths)) values[name] = select(event, path);
  return input.template.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => {
    if (!(name in values)) return placeholder;
    const value = values[name];
    // A string goes in as its characters (the template's own quotes make it JSON or not); a path
    // that selects nothing gives an empty string, and anything else goes in as JSON.
    if (value === undefined) return '';
    if (typeof value === 'string') return JSON.stringify(value).slice(1, -1);
    return JSON.stringify(value);
  });
}

type Step = string | number;

/** `$`, `$.detail.id`, `$.resources[0]`, `$.detail['odd key']`. */
function parsePath(path: string, where: string): Step[] {
  if (!path.startsWith('$')) throw new Error(`${where}: ${path} is not a JSONPath starting with $`);
  const steps: Step[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (match === null) throw new Error(`${where}: ${path} is not a JSONPath the local stack understands`);
    steps.push(match[2] !== undefined ? Number(match[2]) : ((match[1] ?? match[3]) as string));
  }
  return steps;
}

function select(value: unknown, path: string): unknown {
  let current = value;
  for (const step of parsePath(path, 'InputPath')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}
