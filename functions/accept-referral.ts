import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideAccept } from '#domain/offer';
import { noteOnlyRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/accept',
  noteOnlyRequestSchema,
  (found, actor, request) => decideAccept(found.case, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
