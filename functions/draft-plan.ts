import { caseActionHandler } from '#commons/case-action';
import { programmeRules } from '#domain/programme-rules';
import { decideDraftPlan } from '#domain/reintegration-plan';
import { planRequestSchema } from '#events/plan';

export const handler = caseActionHandler('PUT /v1/referrals/{id}/plan', planRequestSchema, (found, actor, request) =>
  decideDraftPlan(found.case, found.plans, actor, request, programmeRules(found.case.programmeId), new Date())
);
