import * as z from 'zod/mini';

/**
 * The `cursor` query parameter of paginated lists: opaque, made by the repository that lists
 * (functions/adapters/cursor.ts), bounded in length so that nothing longer is ever decoded. A cursor
 * the API made is well under the bound.
 */
export const maxCursorLength = 1024;

export const pageCursor = z
  .string()
  .check(
    z.maxLength(maxCursorLength, { error: 'is not a cursor from this API', abort: true }),
    z.regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a cursor from this API' })
  );
