import type * as z from 'zod/mini';
import type { FieldError } from './problem.ts';

/**
 * Precise, value-free messages for schema issues. zod/mini ships no locale, and the messages must
 * never echo what the client sent (it may be personal data), so they are written here from each
 * issue's code and parameters only.
 */
export const fieldErrors = (issues: readonly z.core.$ZodIssue[], input: unknown): FieldError[] =>
  issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: joinPath([...issue.path, key]), message: 'is not a known field' }));
    }
    return [{ path: joinPath(issue.path), message: messageFor(issue, valueAt(input, issue.path)) }];
  });

const joinPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(body)'
    : path
        .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
        .join('.')
        .replaceAll('.[', '[');

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input
  );

/** A size limit in the words of what is measured: characters of a string, items of a list, else the value. */
const bound = (origin: string, limit: 'at least' | 'at most', value: number | bigint): string => {
  if (origin === 'string') return `must be ${limit} ${String(value)} characters`;
  if (origin === 'array') return `must have ${limit} ${String(value)} items`;
  return `must be ${limit} ${String(value)}`;
};

const messageFor = (issue: z.core.$ZodIssue, value: unknown): string => {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((option) => JSON.stringify(option)).join(', ')}`;
    case 'too_small':
      return bound(issue.origin, 'at least', issue.minimum);
    case 'too_big':
      return bound(issue.origin, 'at most', issue.maximum);
    case 'invalid_format':
      return issue.message && issue.message !== 'Invalid input' ? issue.message : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'custom':
      return issue.message;
    default:
      return 'is not valid';
  }
};

const article = (expected: string): string => {
  const names: Record<string, string> = { int: 'an integer', object: 'an object', array: 'an array' };
  return names[expected] ?? `a ${expected}`;
};
