import type { CaseRepository } from '#adapters/case-repository';
import { type CaseView, caseViewFor, rolesOnCase } from '#domain/access-policy';
import type { Role } from '#events/primitives';
import { caseId } from '#events/primitives';
import type { ApiEvent, Partner } from './http.ts';
import { notFound } from './problem.ts';

/**
 * Loads the case named by the `{id}` path parameter for a caller, or answers 404 when there is no
 * such case or the caller may not see it: the two are indistinguishable from outside.
 */
export const caseForCaller = async (
  cases: CaseRepository,
  event: ApiEvent,
  partner: Partner,
  notFoundDetail = 'There is no referral with this id for your organisation.'
) => {
  const id = caseId.safeParse(event.pathParameters?.id);
  const found = id.success ? await cases.get(id.data) : undefined;
  const view: CaseView | undefined = found === undefined ? undefined : caseViewFor(partner, found.case);
  if (found === undefined || view === undefined) {
    throw notFound(notFoundDetail);
  }
  const roles: Role[] = rolesOnCase(partner, found.case);
  return { ...found, view, rolesOnCase: roles };
};

/**
 * The case for a caller who sees its personal data (the full view), 404 otherwise exactly as for a
 * case it may not see: what a case's documents need, since they are personal data (finance never).
 */
export const caseWithPersonalDataForCaller = async (cases: CaseRepository, event: ApiEvent, partner: Partner) => {
  const found = await caseForCaller(cases, event, partner);
  if (found.view !== 'full') throw notFound('There is no referral with this id for your organisation.');
  return found;
};
