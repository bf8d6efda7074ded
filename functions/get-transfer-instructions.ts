import { AccessLogRepository } from '#adapters/access-log-repository';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import { personalDataCipherFromEnvironment } from '#adapters/personal-data-cipher';
import { recordingDisclosure } from '#commons/disclosure';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { lostRace, optimistically } from '#commons/optimistic';
import { paymentForCaller } from '#commons/payment-access';
import { caseClosed, fourEyes } from '#commons/payment-review';
import { personalDataErased } from '#commons/personal-data-erased';
import { logger } from '#commons/powertools';
import { conflict, forbidden } from '#commons/problem';
import { decideTransferInstructions } from '#domain/transfer-instructions';
import { rolesFor } from '#events/routes';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const accessLog = new AccessLogRepository(documentClient, requiredEnv('ACCESS_LOG_TABLE_NAME'));
// The payee's name and account for the transfer: the key's Decrypt only.
const payments = new PaymentRepository(documentClient, tableName, { open: personalDataCipherFromEnvironment() });

/** A concurrent disclosure or step makes the conditional write fail; the request is then decided again on fresh data. */
const maxAttempts = 3;

/**
 * The payee's name and account for finance to make the transfer of an approved payment. The
 * disclosure is recorded on the payment and in the case's access log, in one transaction, before the
 * answer leaves, so no one sees the bank details without both saying so (and the two never
 * disagree); if it cannot be recorded nothing is sent. The answer is never to be cached.
 */
const getTransferInstructions = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
  return optimistically(
    async () => {
      const found = await paymentForCaller(payments, cases, event, context.partner);
      const decision = decideTransferInstructions(
        found.payment,
        { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase },
        new Date(),
        found.case.status
      );
      switch (decision.kind) {
        case 'not-allowed-for-role':
          throw forbidden('Only finance may see the transfer instructions of a payment.');
        case 'requester-may-not-transfer':
          throw fourEyes('The transfer is made by someone other than the partner that requested the payment.');
        case 'not-allowed-in-status':
          throw conflict(
            `The payment is ${decision.currentStatus}: transfer instructions are given only while it is approved.`,
            {},
            decision.currentStatus
          );
        case 'case-closed':
          throw caseClosed('paid');
        case 'personal-data-erased':
          throw personalDataErased('The personal data of this case was erased: there is no payee to transfer to any more.');
        case 'disclose': {
          const entry = {
            at: new Date().toISOString(),
            caseId: found.payment.caseId,
            partnerId: context.partner.partnerId,
            role: 'finance',
            view: 'transfer_instructions',
            paymentId: found.payment.paymentId,
          } as const;
          const recorded = await recordingDisclosure(
            () => payments.recordPayeeDisclosure(found.payment, decision.record, accessLog.entryPut(entry)),
            entry
          );
          if (recorded === 'conflict') return lostRace;
          logger.info('transfer instructions disclosed', {
            paymentId: found.payment.paymentId,
            caseId: found.payment.caseId,
            sitting: decision.record.index,
            newSitting: decision.record.kind === 'open-sitting',
          });
          return json(200, decision.instructions, { 'Cache-Control': 'no-store' });
        }
      }
    },
    {
      attempts: maxAttempts,
      exhausted: () =>
        conflict('The payment changed while its transfer instructions were being given. Retry the request.', { 'Retry-After': '1' }),
    }
  );
};

export const handler = apiRoute<PartnerRequestContext>()
  .use(partnerWithRole(rolesFor('GET /v1/payments/{id}/transfer-instructions')))
  .handler(getTransferInstructions);
