import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PartnerRepository } from '#adapters/partner-repository';
import { requiredEnv } from '#commons/env';
import { eventConsumer } from '#commons/event-consumer';
import { lostRace, optimistically } from '#commons/optimistic';
import { logger } from '#commons/powertools';
import { decideOffer } from '#domain/offer';
import type { DomainEventOf } from '#events/domain-events';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));

/**
 * Offers a case that has just become eligible (assessed, decided, or promoted from the waitlist)
 * to the receiving partner registered for its programme and country of origin. Its rule
 * (infra/constructs/case-lifecycle.ts) routes it the `referral.status_changed` events whose status
 * is eligible; the event carries ids only, so the case is read by id. Redelivery is harmless: the
 * decision is taken on the case as stored now, and an offered case is never offered again.
 */
const offerCase = async ({ detail: after }: DomainEventOf<'referral.status_changed'>): Promise<void> => {
  if (after.status !== 'eligible' || after.receiverId !== undefined) return;

  await optimistically(
    async () => {
      const found = await cases.get(after.caseId);
      if (found === undefined) return;
      const candidates = await partners.activeReceiversIn(found.case.originCountry);
      const decision = decideOffer(found.case, found.history, candidates, new Date());
      if (decision.kind !== 'change') {
        logger.info('offer not needed', { caseId: after.caseId, status: found.case.status });
        return;
      }
      if ((await cases.transition(found.case, decision.change)) !== 'applied') return lostRace;
      const { action, subject } = decision.change.history;
      if (action === 'offer_unmatched') {
        logger.warn('no receiving partner registered: the coordinator must assign the case', {
          caseId: after.caseId,
          programmeId: found.case.programmeId,
          originCountry: found.case.originCountry,
        });
      } else {
        logger.info('case offered', { caseId: after.caseId, receiverId: subject });
      }
    },
    { attempts: 3, exhausted: () => new Error(`case ${after.caseId} kept changing while it was being offered`) }
  );
};

export const handler = eventConsumer('offer-referral', ['referral.status_changed'], () => offerCase);
