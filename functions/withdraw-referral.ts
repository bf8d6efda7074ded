import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { caseForCaller } from '#commons/case-access';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from '#commons/http';
import { logger } from '#commons/powertools';
import { conflict, forbidden } from '#commons/problem';
import { referralListItem } from '#domain/referral-case';
import { decideWithdrawal } from '#domain/withdrawal';
import { rolesFor } from '#events/routes';
import { withdrawRequestSchema } from '#events/withdrawal';

const cases = new CaseRepository(documentClient, requiredEnv('CASES_TABLE_NAME'));

/** A concurrent change makes the conditional write fail; the decision is then taken again on fresh data. */
const maxAttempts = 3;

const withdrawReferral = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  const request = parseJsonBody(event, withdrawRequestSchema);
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    const found = await caseForCaller(cases, event, context.partner);
    const decision = decideWithdrawal(
      found.case,
      { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase },
      request,
      new Date()
    );
    switch (decision.kind) {
      case 'not-allowed-for-role':
        throw forbidden('Only the referrer of the case or a coordinator may withdraw it.');
      case 'not-allowed-in-status':
        throw conflict(
          `The case is ${decision.currentStatus}: a referral can be withdrawn only before departure.`,
          {},
          decision.currentStatus
        );
      case 'already-withdrawn':
        return json(200, referralListItem(found.case));
      case 'withdraw': {
        const outcome = await cases.transition(found.case, decision);
        if (outcome === 'applied') {
          logger.info('referral withdrawn', { caseId: found.case.caseId, reason: request.reason });
          return json(200, referralListItem({ ...found.case, ...decision.changes, updatedAt: decision.history.at }));
        }
      }
    }
  }
  throw conflict('The case changed while it was being withdrawn. Retry the request.', { 'Retry-After': '1' });
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('POST /v1/referrals/{id}/withdraw')))
  .handler(withdrawReferral);
