import { CaseErasure } from '#adapters/case-erasure';
import { CaseRepository } from '#adapters/case-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseForCaller } from '#commons/case-access';
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
import { lostRace, optimistically } from '#commons/optimistic';
import { logger } from '#commons/powertools';
import { conflict, forbidden } from '#commons/problem';
import { decideErasure } from '#domain/erasure';
import { eraseRequestSchema } from '#events/personal-data';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
// The eraser's note is sealed like every note: the key's GenerateDataKey only.
const erasure = new CaseErasure(
  documentClient,
  tableName,
  { seal: personalDataCipherFromEnvironment() },
  new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME'))
);

/**
 * A coordinator erases the personal data of a case (functions/domain/erasure.ts): one transaction
 * with its history entry, decided again on fresh data when the case moved meanwhile. Erasing again
 * answers 200 with the record of the first erasure.
 */
const eraseReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const request = parseJsonBody(event, eraseRequestSchema);
  return optimistically(
    async () => {
      const found = await caseForCaller(cases, event, context.partner);
      const decision = decideErasure(
        found.case,
        { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase },
        request,
        new Date()
      );
      switch (decision.kind) {
        case 'refused':
          throw forbidden(decision.detail);
        case 'unchanged':
          return json(200, decision.response);
        case 'erase':
          if ((await erasure.erase(found.case, decision.erasure)) === 'conflict') return lostRace;
          logger.info('personal data erased', { caseId: found.case.caseId, reason: request.reason, status: found.case.status });
          return json(200, decision.response);
      }
    },
    {
      attempts: 3,
      exhausted: () => conflict('The case changed while its personal data was being erased. Retry the request.', { 'Retry-After': '1' }),
    }
  );
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals/{id}/erase')))
  .use(idempotencyKeyRequired())
  .handler(idempotentRoute(eraseReferral));
