import type * as z from 'zod/mini';
import { CaseRepository, type StoredCase } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import type { CaseActor, Decision, Refusal } from '#domain/case-decision';
import { apiRoutes, type RouteKey, rolesFor, routeKeyOf } from '#events/routes';
import { caseForCaller } from './case-access.ts';
import { requiredEnv } from './env.ts';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from './http.ts';
import { logger } from './powertools.ts';
import { conflict, forbidden, ProblemError } from './problem.ts';

/** A concurrent change makes the conditional write fail; the decision is then taken again on fresh data. */
const maxAttempts = 3;

export type CaseDecider<Request, Response> = (
  found: StoredCase,
  actor: CaseActor,
  request: Request
) => Decision<Response> | Promise<Decision<Response>>;

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
  decide: CaseDecider<z.infer<Schema>, Response>
) => {
  const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
  const successStatus = apiRoutes.find((route) => routeKeyOf(route) === routeKey)?.successStatus ?? 200;

  const act = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
    const request = parseJsonBody(event, bodySchema);
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const found = await caseForCaller(cases, event, context.partner);
      const actor: CaseActor = { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase };
      const decision = await decide(found, actor, request);
      switch (decision.kind) {
        case 'refused':
          throw problemFor(decision.refusal);
        case 'unchanged':
          return json(200, decision.response);
        case 'change':
          if ((await cases.transition(found.case, decision.change)) === 'applied') {
            logger.info('case changed', {
              caseId: found.case.caseId,
              action: decision.change.history.action,
              fromStatus: found.case.status,
              toStatus: decision.change.history.toStatus,
            });
            return json(successStatus, decision.response);
          }
      }
    }
    throw conflict('The case changed while your request was being handled. Retry the request.', { 'Retry-After': '1' });
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
