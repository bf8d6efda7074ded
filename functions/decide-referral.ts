import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { PlaceRepository } from '#adapters/place-repository';
import { caseActionHandler } from '#commons/case-action';
import { requiredEnv } from '#commons/env';
import { stageProgrammes } from '#commons/programmes';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { decideReview } from '#domain/review-decision';
import { decisionRequestSchema } from '#events/decision';

export interface DecisionDependencies {
  cases: CaseRepository;
  places: PlaceRepository;
  programmes: ProgrammeCatalogue;
}

/** `POST /v1/referrals/{id}/decision`: a coordinator decides a case the engine sent to review. */
export const createDecisionHandler = ({ cases, places, programmes }: DecisionDependencies) =>
  caseActionHandler(
    'POST /v1/referrals/{id}/decision',
    decisionRequestSchema,
    (found, actor, request, attempt) => decideReview(found, actor, request, programmes.get(found.case.programmeId), attempt > 1),
    { cases, places, notFound: 'There is no referral with this id.' }
  );

const tableName = requiredEnv('CASES_TABLE_NAME');
// The decision's note is sealed, and the answer is the full view (person, notes): both uses of the key.
const cipher = personalDataCipherFromEnvironment();
const personalData = { seal: cipher, open: cipher };

export const handler = createDecisionHandler({
  cases: new CaseRepository(documentClient, tableName, personalData),
  places: new PlaceRepository(documentClient, tableName, personalData),
  programmes: stageProgrammes(),
});
