import type { DynamoDBRecord } from 'aws-lambda';
import { DuplicateRegistry } from '#adapters/duplicate-registry';
import { documentClient } from '#adapters/dynamodb';
import { PlaceRepository, systemActor } from '#adapters/place-repository';
import { StageSecrets } from '#adapters/stage-secret';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { stageProgrammes } from '#commons/programmes';
import { streamConsumer, streamImage } from '#commons/stream';
import { assessReferral } from '#domain/eligibility';
import { planAssessment } from '#domain/places';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { caseItemSchema } from '#events/case';

/**
 * The eligibility engine: invoked for new submitted cases only (the mapping's filter), it applies
 * the programme's rules and writes the decision with the programme's places in one conditional
 * transaction. The transaction's condition that the case is still `submitted` at version 1 is what
 * makes a redelivered record a no-op, atomically with the effect it guards.
 */
export interface EligibilityDependencies {
  places: PlaceRepository;
  duplicates: DuplicateRegistry;
  programmes: ProgrammeCatalogue;
  secrets: StageSecrets;
}

export const duplicateKeySecret = 'duplicate-key';

const assessCase = (dependencies: EligibilityDependencies) => async (record: DynamoDBRecord) => {
  const submitted = streamImage(record, 'NewImage', caseItemSchema);
  if (submitted?.status !== 'submitted') return;
  const keys = { caseId: submitted.caseId, reference: submitted.reference, programmeId: submitted.programmeId };
  try {
    const programme = dependencies.programmes.get(submitted.programmeId);
    const secret = await dependencies.secrets.get(duplicateKeySecret);
    const { firstCaseId } = await dependencies.duplicates.registerPerson(submitted, secret);
    const assessment = assessReferral(submitted, programme, { possibleDuplicate: firstCaseId !== submitted.caseId });
    const caps = programme?.caps ?? { assessment: null, assistance: null };
    const result = await dependencies.places.decide(submitted, caps, (counters) => planAssessment(assessment, caps, counters), {
      by: systemActor,
      action: 'assessed',
    });
    if (!result.written) {
      logger.info('case already assessed', keys);
      return;
    }
    logger.info('eligibility decided', { ...keys, outcome: result.decision.to, reasons: result.decision.reasons });
  } catch (error) {
    // The name only: an error's message may quote what it was given.
    logger.error('eligibility failed', { ...keys, errorName: error instanceof Error ? error.name : typeof error });
    throw error;
  }
};

export const createEligibilityHandler = (dependencies: EligibilityDependencies) => {
  const recordHandler = assessCase(dependencies);
  return streamConsumer(() => recordHandler);
};

export const handler = createEligibilityHandler({
  places: new PlaceRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  duplicates: new DuplicateRegistry(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
  secrets: new StageSecrets(documentClient, requiredEnv('CASES_TABLE_NAME')),
});
