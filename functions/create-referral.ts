import { createHash } from 'node:crypto';
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
import { derivedUuid } from '#domain/derived-ids';
import { intakeRefusal, newCaseFromReferral, referralSummary } from '#domain/referral-case';
import { referralRequestSchema } from '#events/referral';
import { rolesFor } from '#events/routes';

// Writes the person sealed and never reads it back: the key's GenerateDataKey only.
const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'), { seal: personalDataCipherFromEnvironment() });

/**
 * The case id is derived from the partner, its Idempotency-Key and the body. Powertools forgets a
 * request whose handler failed, and a failure can come after the case was written (a write that
 * DynamoDB committed but whose answer timed out, seen in the chaos run): the retry then derives the
 * same id and finds that case (functions/adapters/case-repository.ts) instead of making a second.
 */
const referralCaseId = (partnerId: string, event: ApiEvent): string =>
  derivedUuid(
    'referral',
    partnerId,
    event.headers['idempotency-key'] ?? '',
    createHash('sha256')
      .update(event.body ?? '')
      .digest('hex')
  );

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
  const caseId = referralCaseId(context.partner.partnerId, event);
  const created = newCaseFromReferral(referral, { caseId, reference, referrerId: context.partner.partnerId }, new Date());
  const outcome = await cases.create(created.case, created.history);
  const answered = outcome.created ? created.case : outcome.stored;
  if (outcome.created) logger.info('referral submitted', { caseId, reference });
  else logger.info('referral already stored for this request', { caseId, reference: answered.reference });
  return json(201, referralSummary(answered), { Location: `/v1/referrals/${caseId}` });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals')))
  .use(idempotencyKeyRequired())
  .handler(idempotentRoute(createReferral));
