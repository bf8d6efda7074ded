/**
 * Lambda event filtering (the `FilterCriteria` of an event source mapping), with the rules AWS
 * documents: a pattern mirrors the record's structure; its leaves are lists of conditions, any of
 * which may match; its keys must all match. Conditions: exact values (strings, numbers compared as
 * numbers, null, booleans, "" for empty), `prefix`, `suffix`, `equals-ignore-case`, `anything-but`,
 * `numeric`, `exists`, and `$or` between sub-patterns. A record field holding a list matches when
 * one of its elements does. Anything else in a pattern is refused when the template is read.
 * EventBridge event patterns are the same language, plus `wildcard` (`*` for any characters).
 */

export type FilterPattern = { [key: string]: FilterPattern | FilterCondition[] | FilterPattern[] };
type Scalar = string | number | boolean | null;
type FilterCondition = Scalar | Record<string, unknown>;
/** Who reads the pattern: EventBridge knows one operator more than Lambda event filtering. */
export type PatternDialect = 'Lambda' | 'EventBridge';

/** Parses one `Filters[].Pattern` string and checks every operator it uses. */
export function parseFilterPattern(pattern: string, where: string, dialect: PatternDialect = 'Lambda'): FilterPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(pattern);
  } catch {
    throw new Error(`${where}: filter pattern is not valid JSON`);
  }
  if (!isObject(parsed)) throw new Error(`${where}: filter pattern must be a JSON object`);
  validatePattern(parsed, where, dialect);
  return parsed as FilterPattern;
}

/** True when the record matches at least one pattern; no patterns means every record. */
export function matchesAnyFilter(patterns: readonly FilterPattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));
}

export function matchesPattern(pattern: FilterPattern, value: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as FilterPattern[]).some((alternative) => matchesPattern(alternative, value));
    const field = fieldOf(value, key);
    if (Array.isArray(expected)) return matchesConditions(expected as FilterCondition[], field);
    // Patterns name paths: below a missing object every field is missing too (`exists: false` holds).
    if (field === undefined) return matchesPattern(expected, undefined);
    return candidates(field).some((item) => isObject(item) && matchesPattern(expected, item));
  });
}

/** A field of an object, or of any object in a list (records nest lists of objects). */
function fieldOf(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    const found = value.map((item) => fieldOf(item, key)).filter((item) => item !== undefined);
    return found.length === 0 ? undefined : found.flat();
  }
  return isObject(value) ? value[key] : undefined;
}

function candidates(field: unknown): unknown[] {
  return Array.isArray(field) ? field : field === undefined ? [] : [field];
}

function matchesConditions(conditions: FilterCondition[], field: unknown): boolean {
  return conditions.some((condition) => {
    if (isObject(condition) && 'exists' in condition) return matchesExists(condition.exists === true, field);
    return candidates(field).some((item) => matchesCondition(condition, item));
  });
}

/** `exists` looks at leaves: an object is not a value that exists for it. */
function matchesExists(shouldExist: boolean, field: unknown): boolean {
  const exists = candidates(field).some((item) => !isObject(item));
  return exists === shouldExist;
}

function matchesCondition(condition: FilterCondition, value: unknown): boolean {
  if (!isObject(condition)) return equalsScalar(condition, value);
  const [operator, argument] = Object.entries(condition)[0] as [string, unknown];
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && matchesAffix(argument, value, (text, affix) => text.startsWith(affix));
    case 'suffix':
      return typeof value === 'string' && matchesAffix(argument, value, (text, affix) => text.endsWith(affix));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(argument).toLowerCase();
    case 'anything-but':
      return matchesAnythingBut(argument, value);
    case 'numeric':
      return typeof value === 'number' && matchesNumeric(argument as Array<string | number>, value);
    case 'wildcard':
      return typeof value === 'string' && wildcardExpression(String(argument)).test(value);
    default:
      return false;
  }
}

function equalsScalar(expected: Scalar, value: unknown): boolean {
  if (typeof expected === 'number') return typeof value === 'number' && value === expected;
  return value === expected;
}

/** `prefix`/`suffix` take a string, or `{ "equals-ignore-case": "..." }`. */
function matchesAffix(argument: unknown, value: string, test: (text: string, affix: string) => boolean): boolean {
  if (typeof argument === 'string') return test(value, argument);
  const affix = String((argument as Record<string, unknown>)['equals-ignore-case']);
  return test(value.toLowerCase(), affix.toLowerCase());
}

/** Never matches a missing field: `anything-but` is about values that are there. */
function matchesAnythingBut(argument: unknown, value: unknown): boolean {
  if (value === undefined || isObject(value)) return false;
  if (Array.isArray(argument)) return !argument.some((excluded) => equalsScalar(excluded as Scalar, value));
  if (isObject(argument)) return !matchesCondition(argument, value);
  return !equalsScalar(argument as Scalar, value);
}

function matchesNumeric(comparisons: Array<string | number>, value: number): boolean {
  for (let i = 0; i < comparisons.length; i += 2) {
    const operator = comparisons[i] as string;
    const bound = comparisons[i + 1] as number;
    const holds =
      operator === '='
        ? value === bound
        : operator === '<'
          ? value < bound
          : operator === '<='
            ? value <= bound
            : operator === '>'
              ? value > bound
              : value >= bound;
    if (!holds) return false;
  }
  return true;
}

/** `*` stands for any characters; `\\*` is a literal star. */
function wildcardExpression(wildcard: string): RegExp {
  const parts = wildcard.split(/(?<!\\)\*/).map((part) => part.replace(/\\\*/g, '*').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

const NumericOperators = new Set(['=', '<', '<=', '>', '>=']);

function validatePattern(pattern: Record<string, unknown>, where: string, dialect: PatternDialect): void {
  for (const [key, expected] of Object.entries(pattern)) {
    const at = `${where}: ${key}`;
    if (key === '$or') {
      if (!Array.isArray(expected) || expected.length < 2 || !expected.every(isObject)) {
        throw new Error(`${at} must be a list of at least two patterns`);
      }
      for (const alternative of expected) validatePattern(alternative as Record<string, unknown>, where, dialect);
    } else if (Array.isArray(expected)) {
      if (expected.length === 0) throw new Error(`${at} has an empty list of conditions`);
      for (const condition of expected) validateCondition(condition, at, dialect);
    } else if (isObject(expected)) {
      validatePattern(expected, where, dialect);
    } else {
      throw new Error(`${at} must be a list of conditions or a nested pattern`);
    }
  }
}

function validateCondition(condition: unknown, at: string, dialect: PatternDialect): void {
  if (condition === null || ['string', 'number', 'boolean'].includes(typeof condition)) return;
  if (!isObject(condition) || Object.keys(condition).length !== 1) {
    throw new Error(`${at}: a condition must be a value or an object with one operator`);
  }
  const [operator, argument] = Object.entries(condition)[0] as [string, unknown];
  const invalid = (): Error => new Error(`${at}: invalid ${operator} condition ${JSON.stringify(argument)}`);
  switch (operator) {
    case 'prefix':
    case 'suffix':
      if (typeof argument === 'string') return;
      if (isObject(argument) && typeof argument['equals-ignore-case'] === 'string' && Object.keys(argument).length === 1) return;
      throw invalid();
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw invalid();
      return;
    case 'exists':
      if (typeof argument !== 'boolean') throw invalid();
      return;
    case 'anything-but':
      if (Array.isArray(argument)) {
        if (!argument.every((item) => ['string', 'number'].includes(typeof item))) throw invalid();
        return;
      }
      if (isObject(argument)) {
        const [inner] = Object.keys(argument);
        if (Object.keys(argument).length !== 1 || !['prefix', 'suffix', 'equals-ignore-case'].includes(inner as string)) throw invalid();
        validateCondition(argument, at, dialect);
        return;
      }
      if (!['string', 'number'].includes(typeof argument)) throw invalid();
      return;
    case 'numeric': {
      const list = argument as unknown[];
      const valid =
        Array.isArray(list) &&
        (list.length === 2 || list.length === 4) &&
        list.every((item, i) => (i % 2 === 0 ? NumericOperators.has(item as string) : typeof item === 'number'));
      if (!valid) throw invalid();
      return;
    }
    case 'wildcard':
      if (dialect !== 'EventBridge' || typeof argument !== 'string') break;
      return;
    default:
      break;
  }
  const service = dialect === 'Lambda' ? 'Lambda event filtering' : 'EventBridge event patterns';
  throw new Error(`${at}: filter operator ${operator} is not supported by ${service}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
