import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { decideApprovePlan } from '#domain/reintegration-plan';
import { noteOnlyRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/plan/approve',
  noteOnlyRequestSchema,
  (found, actor, request) => decideApprovePlan(found.case, found.plans, actor, request, new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
