import { documentClient } from '#adapters/dynamodb';
import { PlaceRepository } from '#adapters/place-repository';
import { requiredEnv } from '#commons/env';
import { eventConsumer } from '#commons/event-consumer';
import { logger } from '#commons/powertools';
import { stageProgrammes } from '#commons/programmes';
import type { ProgrammeCatalogue } from '#domain/programmes';
import type { DomainEventOf } from '#events/domain-events';

/**
 * Waitlist promotion: invoked when a case gives its assistance place back (the
 * `referral.place_released` event, routed to its queue by infra/constructs/eligibility-engine.ts), it fills every free place of the programme from the
 * waitlist, oldest first. Filling is conditional on a free place and a waiting case, so redelivered
 * or concurrent triggers never promote more cases than places were freed.
 */
export interface PromotionDependencies {
  places: PlaceRepository;
  programmes: ProgrammeCatalogue;
}

const promoteAfterRelease =
  (dependencies: PromotionDependencies) =>
  async ({ detail: released }: DomainEventOf<'referral.place_released'>) => {
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
  const eventHandler = promoteAfterRelease(dependencies);
  return eventConsumer('promote-waitlist', ['referral.place_released'], () => eventHandler);
};

export const handler = createPromotionHandler({
  places: new PlaceRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
});
