import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { caseActionHandler } from '#commons/case-action';
import { requiredEnv } from '#commons/env';
import { stageProgrammes } from '#commons/programmes';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { decideReview } from '#domain/review-decision';
import { decisionRequestSchema } from '#events/decision';

export interface DecisionDependencies {
  cases: CaseRepository;
  programmes: ProgrammeCatalogue;
}

/** `POST /v1/referrals/{id}/decision`: a coordinator decides a case the engine sent to review. */
export const createDecisionHandler = ({ cases, programmes }: DecisionDependencies) =>
  caseActionHandler(
    'POST /v1/referrals/{id}/decision',
    decisionRequestSchema,
    (found, actor, request, attempt) => decideReview(found, actor, request, programmes.get(found.case.programmeId), attempt > 1),
    { cases, notFound: 'There is no referral with this id.' }
  );

export const handler = createDecisionHandler({
  cases: new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
});
