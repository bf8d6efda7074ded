import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideDecline } from '#domain/offer';
import { declineRequestSchema } from '#events/lifecycle';

/** Only records the decline: the eligibility work's waitlist reacts to the status and frees the place. */
export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/decline',
  declineRequestSchema,
  (found, actor, request) => decideDecline(found.case, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
