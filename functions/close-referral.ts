import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideClose } from '#domain/closure';
import { closeRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/close',
  closeRequestSchema,
  (found, actor, request) => decideClose(found.case, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
