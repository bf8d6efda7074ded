import type * as z from 'zod/mini';
import { CaseRepository } from '#adapters/case-repository';
import { documentClient } from '#adapters/dynamodb';
import { PaymentRepository } from '#adapters/payment-repository';
import type { PersonalDataAccess } from '#adapters/personal-fields';
import type { ReviewAction } from '#domain/payment-lifecycle';
import { decideReview, type ReviewRequest } from '#domain/payment-review';
import { paymentViewFor } from '#domain/payment-views';
import { type RouteKey, rolesFor } from '#events/routes';
import { requiredEnv } from './env.ts';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, parseJsonBody, partnerWithRole } from './http.ts';
import { lostRace, optimistically } from './optimistic.ts';
import { paymentForCaller } from './payment-access.ts';
import { logger } from './powertools.ts';
import { conflict, forbidden, invalidRequest, ProblemError } from './problem.ts';

/** A concurrent change makes the conditional write fail; the step is then decided again on fresh data. */
const maxAttempts = 3;

const whoMay: Record<ReviewAction, string> = {
  approve: 'Only a coordinator or finance may approve a payment.',
  reject: 'Only a coordinator or finance may reject a payment.',
  cancel: 'Only the partner that requested the payment or a coordinator may cancel it.',
  disburse: 'Only finance may confirm that a payment was disbursed.',
};

const stepName: Record<ReviewAction, string> = {
  approve: 'approved',
  reject: 'rejected',
  cancel: 'cancelled',
  disburse: 'confirmed as disbursed',
};

/** 409 naming the case's status: the payment's own status would allow the step. */
export const caseClosed = (step: string): ProblemError =>
  conflict(`The case is closed: a payment on it cannot be ${step} until a coordinator reopens it.`, {}, 'closed');

export const fourEyes = (
  detail = 'A payment is approved, rejected and confirmed by someone other than the partner that requested it.'
): ProblemError => new ProblemError({ type: 'four-eyes', title: 'Not by the requester', status: 403, detail });

/**
 * The HTTP side of a reviewer's step on a payment (approve, reject, cancel, disbursed): parse,
 * find the payment the caller may see, let the domain decide, write it conditioned on the version
 * read, answer the payment as the caller may see it.
 */
export const paymentReviewRoute = <Schema extends z.ZodMiniType>(
  routeKey: RouteKey,
  schema: Schema,
  toRequest: (body: z.infer<Schema>) => ReviewRequest,
  /** A step's note is sealed; the answer shows the payee to full-view callers, so it is opened. */
  personalData: PersonalDataAccess
) => {
  const tableName = requiredEnv('CASES_TABLE_NAME');
  const cases = new CaseRepository(documentClient, tableName);
  const payments = new PaymentRepository(documentClient, tableName, personalData);

  const review = async (event: ApiEvent, context: PartnerRequestContext): Promise<ApiResult> => {
    const request = toRequest(parseJsonBody(event, schema));
    return optimistically(
      async () => {
        const found = await paymentForCaller(payments, cases, event, context.partner);
        const decision = decideReview(
          found.payment,
          { partnerId: context.partner.partnerId, rolesOnCase: found.rolesOnCase },
          request,
          new Date(),
          found.case.status
        );
        switch (decision.kind) {
          case 'not-allowed-for-role':
            throw forbidden(whoMay[request.action]);
          case 'requester-may-not-review':
            throw fourEyes();
          case 'not-allowed-in-status':
            throw conflict(
              `The payment is ${decision.currentStatus}: it cannot be ${stepName[request.action]} now.`,
              {},
              decision.currentStatus
            );
          case 'already-disbursed-differently':
            throw conflict('The payment was already confirmed as disbursed with another transfer reference or date.', {}, 'disbursed');
          case 'case-closed':
            throw caseClosed(stepName[request.action]);
          case 'invalid':
            throw invalidRequest('The body does not fit this payment; see errors.', [{ path: decision.path, message: decision.message }]);
          case 'unchanged':
            return json(200, paymentViewFor(found.payment, found.view));
          case 'apply': {
            if ((await payments.applyReview(found.payment, decision.change)) === 'conflict') return lostRace;
            logger.info('payment step taken', {
              paymentId: found.payment.paymentId,
              caseId: found.payment.caseId,
              fromStatus: found.payment.status,
              toStatus: decision.change.status,
            });
            const updated = await payments.getInCase(found.payment.caseId, found.payment.paymentId);
            return json(200, paymentViewFor(updated ?? found.payment, found.view));
          }
        }
      },
      {
        attempts: maxAttempts,
        exhausted: () => conflict('The payment changed while this step was being taken. Retry the request.', { 'Retry-After': '1' }),
      }
    );
  };

  return apiRoute<PartnerRequestContext>()
    .use(partnerWithRole(rolesFor(routeKey)))
    .handler(review);
};
