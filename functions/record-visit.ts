import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideVisit } from '#domain/monitoring';
import { visitRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/monitoring-visits',
  visitRequestSchema,
  (found, actor, request) => decideVisit(found.case, found.visits, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
