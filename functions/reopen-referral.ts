import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideReopen } from '#domain/closure';
import { noteOnlyRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/reopen',
  noteOnlyRequestSchema,
  (found, actor, request) => decideReopen(found.case, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
