/**
 * Opaque pagination cursors, made and checked by the repositories only: the last key of a page,
 * base64url-encoded. A cursor is only accepted back for the same index partition it came from;
 * anything else is an `InvalidCursorError` (a 400 at the HTTP boundary), never a DynamoDB error.
 */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  constructor() {
    super('the cursor does not belong to this list');
  }
}

export const encodeCursor = (key: Record<string, string>): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

export const decodeCursor = (
  cursor: string,
  expected: { keyNames: readonly string[]; partition: { name: string; value: string } }
): Record<string, string> => {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const isValid =
    key !== null &&
    typeof key === 'object' &&
    !Array.isArray(key) &&
    Object.keys(key).length === expected.keyNames.length &&
    expected.keyNames.every((name) => typeof (key as Record<string, unknown>)[name] === 'string') &&
    (key as Record<string, string>)[expected.partition.name] === expected.partition.value;
  if (!isValid) throw new InvalidCursorError();
  return key as Record<string, string>;
};
