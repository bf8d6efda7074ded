import { caseActionHandler } from '#commons/case-action';
import { todayIso } from '#domain/dates';
import { programmeRules } from '#domain/programme-rules';
import { decideArrival } from '#domain/travel';
import { arrivalRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler('POST /v1/referrals/{id}/arrival', arrivalRequestSchema, (found, actor, request) => {
  const now = new Date();
  return decideArrival(found.case, actor, request, programmeRules(found.case.programmeId), todayIso(now), now);
});
