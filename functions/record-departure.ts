import { caseActionHandler } from '#commons/case-action';
import { decideDeparture } from '#domain/travel';
import { todayIso } from '#events/dates';
import { departureRequestSchema } from '#events/lifecycle';

export const handler = caseActionHandler('POST /v1/referrals/{id}/departure', departureRequestSchema, (found, actor, request) => {
  const now = new Date();
  return decideDeparture(found.case, actor, request, todayIso(now), now);
});
