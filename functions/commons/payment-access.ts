import type { CaseRepository } from '#adapters/case-repository';
import type { PaymentRepository } from '#adapters/payment-repository';
import { rolesOnCase } from '#domain/access-policy';
import { type PaymentViewKind, paymentViewKindFor } from '#domain/payment-views';
import { paymentId } from '#events/payment';
import { caseId } from '#events/primitives';
import type { ApiEvent, Partner } from './http.ts';
import { notFound } from './problem.ts';

/**
 * Who may see payments follows who may see their case (domain/access-policy.ts): the case's
 * receiver and coordinators see a payment whole, finance without the payee, purpose or notes,
 * anyone else gets 404, exactly as for a payment that does not exist.
 */

/** The case named by `{id}` of a `/v1/referrals/{id}/payments` route, read without its history. */
export const paymentCaseForCaller = async (cases: CaseRepository, event: ApiEvent, partner: Partner) => {
  const id = caseId.safeParse(event.pathParameters?.id);
  const found = id.success ? await cases.getCase(id.data) : undefined;
  const roles = found === undefined ? [] : rolesOnCase(partner, found);
  const view = paymentViewKindFor(roles);
  if (found === undefined || view === undefined) throw notFound('There is no referral with this id for your organisation.');
  return { case: found, rolesOnCase: roles, view };
};

/** The payment named by `{id}` of a `/v1/payments/{id}` route, with its case. */
export const paymentForCaller = async (payments: PaymentRepository, cases: CaseRepository, event: ApiEvent, partner: Partner) => {
  const id = paymentId.safeParse(event.pathParameters?.id);
  const payment = id.success ? await payments.get(id.data) : undefined;
  const found = payment === undefined ? undefined : await cases.getCase(payment.caseId);
  const roles = found === undefined ? [] : rolesOnCase(partner, found);
  const view: PaymentViewKind | undefined = paymentViewKindFor(roles);
  if (payment === undefined || found === undefined || view === undefined) {
    throw notFound('There is no payment with this id for your organisation.');
  }
  return { payment, case: found, rolesOnCase: roles, view };
};
