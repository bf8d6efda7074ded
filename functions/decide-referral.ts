import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PlaceRepository } from '#adapters/place-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from '#commons/http';
import { logger } from '#commons/powertools';
import { conflict, notFound } from '#commons/problem';
import { stageProgrammes } from '#commons/programmes';
import { caseViewFor } from '#domain/access-policy';
import { planReview } from '#domain/places';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { referralView } from '#domain/referral-case';
import type { CaseItem } from '#events/case';
import { type DecisionRequest, decisionRequestSchema } from '#events/decision';
import { caseId, text } from '#events/primitives';
import { rolesFor } from '#events/routes';

/**
 * `POST /v1/referrals/{id}/decision`: a coordinator decides a case the engine sent to review. The
 * decision goes through the same places as the engine's (an eligible decision may end on the
 * waitlist; an ineligible one gives back a place the case had reserved), and is recorded in the
 * history with who decided and their note.
 */

export interface DecisionDependencies {
  cases: CaseRepository;
  places: PlaceRepository;
  programmes: ProgrammeCatalogue;
}

/** A retried request whose decision was already written gets the same answer, not a conflict. */
const alreadyDecided = (current: CaseItem, request: DecisionRequest, partnerId: string): boolean => {
  const decision = current.eligibility;
  if (decision?.decidedBy !== partnerId || decision.note !== request.note) return false;
  return request.outcome === 'ineligible'
    ? decision.outcome === 'ineligible'
    : decision.outcome === 'eligible' || decision.outcome === 'waitlisted';
};

export const createDecisionHandler = (dependencies: DecisionDependencies) => {
  const decide = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
    const request = parseJsonBody(event, decisionRequestSchema);
    const id = caseId.safeParse(event.pathParameters?.id);
    const current = id.success ? await dependencies.cases.getCase(id.data) : undefined;
    if (current === undefined || caseViewFor(context.partner, current) === undefined) {
      throw notFound('There is no referral with this id.');
    }
    const { partnerId } = context.partner;
    const keys = { caseId: current.caseId, reference: current.reference };
    const answer = async () => {
      const found = await dependencies.cases.get(current.caseId);
      return json(200, referralView(found!.case, found!.history, found!.notes));
    };
    if (current.status !== 'needs_review') {
      if (alreadyDecided(current, request, partnerId)) return answer();
      throw conflict(`The referral is ${current.status}; only a referral in needs_review can be decided.`);
    }
    const programme = dependencies.programmes.get(current.programmeId);
    if (programme === undefined) throw new Error(`case ${current.caseId} is in review in an unknown programme`);

    const result = await dependencies.places.decide(
      current,
      programme.caps,
      (counters) => planReview(request.outcome, current.assistancePlace ?? false, programme.caps, counters),
      { by: partnerId, action: 'reviewed', note: request.note }
    );
    if (!result.written) {
      const now = await dependencies.cases.getCase(current.caseId);
      if (now !== undefined && alreadyDecided(now, request, partnerId)) return answer();
      throw conflict('The referral changed while it was being decided; read it again before deciding.');
    }
    logger.info('review decided', { ...keys, outcome: result.decision.to, reasons: result.decision.reasons });
    return answer();
  };

  return apiRoute<PartnerRequestContext>()
    .use(partnerWithRole(rolesFor('POST /v1/referrals/{id}/decision')))
    .handler(decide);
};

export const handler = createDecisionHandler({
  cases: new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  places: new PlaceRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
});
