import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { documentClient } from '#adapters/dynamodb';
import { PlaceRepository } from '#adapters/place-repository';
import { requiredEnv } from '#commons/env';
import { logger } from '#commons/powertools';
import { stageProgrammes } from '#commons/programmes';
import { streamConsumer, streamImage } from '#commons/stream';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { caseId, programmeId } from '#events/primitives';

/**
 * Waitlist promotion: invoked when a case gives its assistance place back (the mapping's filter:
 * `assistancePlace` true before, false after), it fills every free place of the programme from the
 * waitlist, oldest first. Filling is conditional on a free place and a waiting case, so redelivered
 * or concurrent triggers never promote more cases than places were freed.
 */
export interface PromotionDependencies {
  places: PlaceRepository;
  programmes: ProgrammeCatalogue;
}

/** Only what the trigger needs; the rest of the image is not read. */
const releasedPlace = z.object({ caseId, programmeId, assistancePlace: z.literal(false) });

const promoteAfterRelease = (dependencies: PromotionDependencies) => async (record: DynamoDBRecord) => {
  const released = streamImage(record, 'NewImage', releasedPlace);
  if (released === undefined) return;
  const programme = dependencies.programmes.get(released.programmeId);
  if (programme === undefined) {
    logger.warn('place released in an unknown programme', released);
    return;
  }
  try {
    const promoted = await dependencies.places.promoteWaitlisted(programme.id, programme.caps);
    logger.info('waitlist promotion', { releasedBy: released.caseId, programmeId: programme.id, promoted });
  } catch (error) {
    logger.error('waitlist promotion failed', {
      releasedBy: released.caseId,
      programmeId: programme.id,
      errorName: error instanceof Error ? error.name : typeof error,
    });
    throw error;
  }
};

export const createPromotionHandler = (dependencies: PromotionDependencies) => {
  const recordHandler = promoteAfterRelease(dependencies);
  return streamConsumer(() => recordHandler);
};

export const handler = createPromotionHandler({
  places: new PlaceRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
});
