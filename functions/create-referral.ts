import { randomUUID } from 'node:crypto';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { requiredEnv } from '#commons/env';
import {
  type ApiEvent,
  type ApiResult,
  apiRoute,
  idempotencyKeyRequired,
  json,
  type PartnerRequestContext,
  parseJsonBody,
  partnerWithRole,
} from '#commons/http';
import { httpIdempotency } from '#commons/idempotency';
import { logger } from '#commons/powertools';
import { newCaseFromReferral, referralSummary } from '#domain/referral-case';
import { referralRequestSchema } from '#events/referral';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));

const createReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const referral = parseJsonBody(event, referralRequestSchema);
  const reference = await cases.allocateReference(referral.programmeId, referral.hostCountry);
  const created = newCaseFromReferral(
    referral,
    { caseId: randomUUID(), reference, referrerId: context.partner.partnerId },
    new Date()
  );
  await cases.create(created.case, created.history);
  logger.info('referral submitted', { caseId: created.case.caseId, reference });
  return json(201, referralSummary(created.case), { Location: `/v1/referrals/${created.case.caseId}` });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(['referrer']))
  .use(idempotencyKeyRequired())
  .use(makeHandlerIdempotent(httpIdempotency()))
  .handler(createReferral);
