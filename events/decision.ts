import * as z from 'zod/mini';
import { text } from './primitives.ts';

/** `POST /v1/referrals/{id}/decision`: a coordinator decides a case in review; the note is required. */
export const decisionRequestSchema = z.strictObject({
  outcome: z.enum(['eligible', 'ineligible']),
  note: text(2000),
});
export type DecisionRequest = z.infer<typeof decisionRequestSchema>;
