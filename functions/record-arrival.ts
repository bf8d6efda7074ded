import { caseActionHandler } from '#commons/case-action';
import { programmeDefinitions } from '#commons/programmes';
import { decideArrival } from '#domain/travel';
import { todayIso } from '#events/dates';
import { arrivalRequestSchema } from '#events/lifecycle';

const programmes = programmeDefinitions();

export const handler = caseActionHandler('POST /v1/referrals/{id}/arrival', arrivalRequestSchema, (found, actor, request) => {
  const now = new Date();
  return decideArrival(found.case, actor, request, programmes.get(found.case.programmeId), todayIso(now), now);
});
