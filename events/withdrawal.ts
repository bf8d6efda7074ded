import * as z from 'zod/mini';
import { text } from './primitives.ts';

export const withdrawalReasons = ['changed_mind', 'safety', 'other'] as const;

/** `POST /v1/referrals/{id}/withdraw` */
export const withdrawRequestSchema = z.strictObject({
  reason: z.enum(withdrawalReasons),
  note: z.optional(text(2000)),
});
export type WithdrawRequest = z.infer<typeof withdrawRequestSchema>;
