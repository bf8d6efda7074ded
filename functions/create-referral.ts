import { randomUUID } from 'node:crypto';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
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
import { idempotentRoute } from '#commons/idempotency';
import { logger } from '#commons/powertools';
import { ProblemError } from '#commons/problem';
import { intakeRefusal, newCaseFromReferral, referralSummary } from '#domain/referral-case';
import { referralRequestSchema } from '#events/referral';
import { rolesFor } from '#events/routes';

// Writes the person sealed and never reads it back: the key's GenerateDataKey only.
const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'), { seal: personalDataCipherFromEnvironment() });

const createReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const referral = parseJsonBody(event, referralRequestSchema);
  if (intakeRefusal(referral) === 'NO_RETURN_CONSENT') {
    throw new ProblemError({
      type: 'no-return-consent',
      title: 'No consent to return',
      status: 422,
      detail: 'A referral can only be made for a person who consented to return. Nothing was stored.',
      errors: [{ path: 'consent.voluntaryReturn', message: 'must be true' }],
    });
  }
  const reference = await cases.allocateReference(referral.programmeId, referral.hostCountry);
  const created = newCaseFromReferral(referral, { caseId: randomUUID(), reference, referrerId: context.partner.partnerId }, new Date());
  await cases.create(created.case, created.history);
  logger.info('referral submitted', { caseId: created.case.caseId, reference });
  return json(201, referralSummary(created.case), { Location: `/v1/referrals/${created.case.caseId}` });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals')))
  .use(idempotencyKeyRequired())
  .handler(idempotentRoute(createReferral));
