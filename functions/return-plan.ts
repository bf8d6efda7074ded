import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideReturnPlan } from '#domain/reintegration-plan';
import { returnPlanRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/plan/return',
  returnPlanRequestSchema,
  (found, actor, request) => decideReturnPlan(found.case, found.plans, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
