import type * as z from 'zod/mini';
import { CaseRepository, type StoredCase } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import type { PersonalDataAccess } from '#adapters/personal-fields';
import { PlaceRepository } from '#adapters/place-repository';
import type { CaseActor, Decision, Refusal } from '#domain/case-decision';
import { apiRoutes, type RouteKey, rolesFor, routeKeyOf } from '#events/routes';
import { caseForCaller } from './case-access.ts';
import { requiredEnv } from './env.ts';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from './http.ts';
import { lostRace, optimistically } from './optimistic.ts';
import { logger } from './powertools.ts';
import { conflict, forbidden, ProblemError } from './problem.ts';

/**
 * Decides what an action does to the case as found. `attempt` is 1 on the first read and counts up
 * after each lost race, for the rare decision that must not be taken again on a changed case.
 */
export type CaseDecider<Request, Response> = (
  found: StoredCase,
  actor: CaseActor,
  request: Request,
  attempt: number
) => Decision<Response> | Promise<Decision<Response>>;

export interface CaseActionOptions {
  /** What the function may do with personal data (a route taking a note seals it); nothing by default. */
  personalData?: PersonalDataAccess;
  /** The repository to use; the stage's cases table by default (tests pass their own). */
  cases?: CaseRepository;
  /** Where a review decision is written with the programme's places; the stage's cases table by default. */
  places?: PlaceRepository;
  /** The 404 detail when the case does not exist or the caller may not see it. */
  notFound?: string;
  /** The 409 detail once every attempt lost its race. */
  exhausted?: string;
  /** The log message of an applied change. */
  changed?: string;
}

/**
 * The handler of a route that acts on one case: parse the body, load the case the caller may see
 * (404 otherwise), let the domain decide, and apply the change only if the case did not move in
 * between (optimistic version check, decided again up to three times). A retry of something
 * already done answers 200 with the same result; a refused action is a problem document: 403 for
 * the role, 409 naming the current status, 422 for a rule of the programme.
 */
export const caseActionHandler = <Schema extends z.ZodMiniType, Response>(
  routeKey: RouteKey,
  bodySchema: Schema,
  decide: CaseDecider<z.infer<Schema>, Response>,
  options: CaseActionOptions = {}
) => {
  const tableName = requiredEnv('CASES_TABLE_NAME');
  const cases = options.cases ?? new CaseRepository(documentClient, tableName, options.personalData);
  const places = options.places ?? new PlaceRepository(documentClient, tableName, options.personalData);
  const successStatus = apiRoutes.find((route) => routeKeyOf(route) === routeKey)?.successStatus ?? 200;
  const exhausted = options.exhausted ?? 'The case changed while your request was being handled. Retry the request.';

  const apply = async (found: StoredCase, decision: Decision<Response>): Promise<ApiResult | typeof lostRace> => {
    switch (decision.kind) {
      case 'refused':
        throw problemFor(decision.refusal);
      case 'unchanged':
        return json(200, decision.response);
      case 'change': {
        if ((await cases.transition(found.case, decision.change)) !== 'applied') return lostRace;
        const { history } = decision.change;
        logger.info(options.changed ?? 'case changed', {
          caseId: found.case.caseId,
          action: history.action,
          fromStatus: found.case.status,
          toStatus: history.toStatus,
          ...(history.reason === undefined ? {} : { reason: history.reason }),
        });
        return json(successStatus, decision.response);
      }
      case 'review': {
        const { caps, plan, ...by } = decision.review;
        const result = await places.decide(found.case, caps, plan, by);
        if (!result.written) return lostRace;
        logger.info('review decided', {
          caseId: found.case.caseId,
          reference: found.case.reference,
          outcome: result.decision.to,
          reasons: result.decision.reasons,
        });
        const after = await cases.get(found.case.caseId);
        if (after === undefined) throw new Error(`case ${found.case.caseId} vanished after its review was written`);
        return json(successStatus, decision.respond(after));
      }
    }
  };

  const act = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
    const request = parseJsonBody(event, bodySchema);
    return optimistically(
      async (attempt) => {
        const found = await caseForCaller(cases, event, context.partner, options.notFound);
        const actor: CaseActor = { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase };
        return apply(found, await decide(found, actor, request, attempt));
      },
      { attempts: 3, exhausted: () => conflict(exhausted, { 'Retry-After': '1' }) }
    );
  };

  return apiRoute<PartnerRequestContext>()
    .use(partnerWithRole(rolesFor(routeKey)))
    .handler(act);
};

const problemFor = (refusal: Refusal): ProblemError => {
  switch (refusal.reason) {
    case 'role':
      return forbidden(refusal.detail);
    case 'status':
      return conflict(refusal.detail, {}, refusal.currentStatus);
    case 'conflict':
      return conflict(refusal.detail);
    case 'invalid':
      return new ProblemError({
        type: 'rule-not-met',
        title: 'The request breaks a rule of the programme or the case',
        status: 422,
        detail: refusal.detail,
        errors: refusal.errors,
      });
  }
};
