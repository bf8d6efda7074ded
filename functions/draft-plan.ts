import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { programmeDefinitions } from '#commons/programmes';
import { decideDraftPlan } from '#domain/reintegration-plan';
import { planRequestSchema } from '#events/plan';

const programmes = programmeDefinitions();

export const handler = caseActionHandler(
  'PUT /v1/referrals/{id}/plan',
  planRequestSchema,
  (found, actor, request) => decideDraftPlan(found.case, found.plans, actor, request, programmes.get(found.case.programmeId), new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
