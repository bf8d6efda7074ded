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
