import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PartnerRepository } from '#adapters/partner-repository';
import { requiredEnv } from '#commons/env';
import { lostRace, optimistically } from '#commons/optimistic';
import { logger } from '#commons/powertools';
import { streamConsumer, streamImage } from '#commons/stream';
import { decideOffer } from '#domain/offer';
import { caseStatus } from '#events/case';
import { caseId, partnerId } from '#events/primitives';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));
const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));

/** What this consumer reads of a case image: never the person block. */
const offerImageSchema = z.object({ caseId, status: caseStatus, receiverId: z.optional(partnerId) });

/**
 * Offers a case that has just become eligible (assessed, decided, or promoted from the waitlist)
 * to the receiving partner registered for its programme and country of origin. The template's
 * filter lets through case items whose new status is eligible; a record whose case was already
 * eligible before (an offer, a reassignment) is not a case becoming eligible, and is skipped here.
 * Redelivery is harmless: the decision is taken on the case as stored now, and an offered case is
 * never offered again.
 */
const offerCase = async (record: DynamoDBRecord): Promise<void> => {
  const before = streamImage(record, 'OldImage', offerImageSchema);
  const after = streamImage(record, 'NewImage', offerImageSchema);
  if (after?.status !== 'eligible' || before?.status === 'eligible' || after.receiverId !== undefined) return;

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

export const handler = streamConsumer(() => offerCase);
