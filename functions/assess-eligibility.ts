import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { caseWithoutPersonalData, derivedFactsOf } from '#adapters/case-sealing';
import { DuplicateRegistry } from '#adapters/duplicate-registry';
import { documentClient } from '#adapters/dynamodb';
import { PlaceRepository, systemActor } from '#adapters/place-repository';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { stageProgrammes } from '#commons/programmes';
import { streamConsumer, streamImage } from '#commons/stream';
import { assessReferral } from '#domain/eligibility';
import { planAssessment } from '#domain/places';
import type { ProgrammeCatalogue } from '#domain/programmes';

/**
 * The eligibility engine: invoked for new submitted cases only (the mapping's filter), it applies
 * the programme's rules and writes the decision with the programme's places in one conditional
 * transaction. The transaction's condition that the case is still `submitted` at version 1 is what
 * makes a redelivered record a no-op, atomically with the effect it guards. It holds no key to the
 * person's data: the rules need none of it, and the duplicate check compares the keyed hash made
 * at submission (functions/adapters/duplicate-registry.ts).
 */
export interface EligibilityDependencies {
  places: PlaceRepository;
  duplicates: DuplicateRegistry;
  programmes: ProgrammeCatalogue;
}

const caseImageSchema = z.record(z.string(), z.unknown());

const assessCase = (dependencies: EligibilityDependencies) => async (record: DynamoDBRecord) => {
  const image = streamImage(record, 'NewImage', caseImageSchema);
  const submitted = image === undefined ? undefined : caseWithoutPersonalData(image);
  if (image === undefined || submitted?.status !== 'submitted') return;
  const keys = { caseId: submitted.caseId, reference: submitted.reference, programmeId: submitted.programmeId };
  try {
    const programme = dependencies.programmes.get(submitted.programmeId);
    const { firstCaseId } = await dependencies.duplicates.registerPerson({ caseId: submitted.caseId, ...derivedFactsOf(image) });
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
});
