import * as z from 'zod/mini';
import { caseStatus } from './case.ts';
import { pageCursor } from './page-cursor.ts';
import { role } from './primitives.ts';

/** `GET /v1/referrals` query string (lists are paginated with an opaque cursor the repository makes, functions/adapters/cursor.ts, and a bounded limit). */

export const maxPageSize = 200;
export const defaultPageSize = 50;

export const listReferralsQuerySchema = z.strictObject({
  status: z.optional(caseStatus),
  limit: z.optional(
    z
      .pipe(z.string().check(z.regex(/^\d{1,4}$/, { error: `must be a whole number from 1 to ${maxPageSize}` })), z.transform(Number))
      .check(z.refine((value) => value >= 1 && value <= maxPageSize, { error: `must be a whole number from 1 to ${maxPageSize}` }))
  ),
  cursor: z.optional(pageCursor),
  as: z.optional(role),
});
export type ListReferralsQuery = z.infer<typeof listReferralsQuerySchema>;
