import { documentClient } from '#adapters/dynamodb';
import { PartnerRepository } from '#adapters/partner-repository';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { caseActionHandler } from '#commons/case-action';
import { requiredEnv } from '#commons/env';
import { decideReassign } from '#domain/offer';
import { reassignRequestSchema } from '#events/lifecycle';

const partners = new PartnerRepository(documentClient, requiredEnv('PARTNERS_TABLE_NAME'));

export const handler = caseActionHandler(
  'POST /v1/referrals/{id}/reassign',
  reassignRequestSchema,
  async (found, actor, request) => decideReassign(found.case, actor, request, await partners.get(request.receiverId), new Date()),
  { personalData: { seal: personalDataCipherFromEnvironment() } }
);
