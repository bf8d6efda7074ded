import { caseActionHandler } from '#commons/case-action';
import { declineRequestSchema } from '#events/lifecycle';
import { decideDecline } from '#domain/offer';

/** Only records the decline: the eligibility work's waitlist reacts to the status and frees the place. */
export const handler = caseActionHandler('POST /v1/referrals/{id}/decline', declineRequestSchema, (found, actor, request) =>
  decideDecline(found.case, actor, request, new Date())
);
