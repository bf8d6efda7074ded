import * as z from 'zod/mini';
import type { CaseItem } from '#events/case';
import type { BudgetView, PaymentItem, ReservationRefusal } from '#events/payment';
import { currencyCode, type PlanVersion, planCategory } from '#events/plan';
import { caseId } from '#events/primitives';

/**
 * A case's budget per category of its approved plan: whether a request can be reserved against it,
 * and what partners are shown of it.
 *
 * What is committed in a category of the case. DynamoDB conditions cannot add, so `available`
 * (limit − reserved − disbursed) is kept beside the counters and moved by every update in the same
 * expression; a reservation is conditioned on `available >= amount`. `planVersion` is the approved
 * plan the limit comes from: a newer approved version re-bases the limit while keeping what is
 * already committed.
 */
export const budgetItemSchema = z.object({
  caseId,
  category: planCategory,
  currency: currencyCode,
  planVersion: z.int().check(z.positive()),
  limit: z.int().check(z.minimum(0)),
  reserved: z.int().check(z.minimum(0)),
  disbursed: z.int().check(z.minimum(0)),
  available: z.int(),
});
export type BudgetItem = z.infer<typeof budgetItemSchema>;

/** Case statuses in which an approved plan can be paid from. */
const payableCaseStatuses: readonly CaseItem['status'][] = ['reintegrating', 'monitoring'];

export type ReservationDecision =
  /** The payment already left `requested` (a redelivery): nothing to do. */
  | { kind: 'already-processed' }
  | { kind: 'refuse'; code: ReservationRefusal }
  /** The category has no budget item yet, or one from an older plan: write this first, then decide again. */
  | { kind: 'align-budget'; budget: BudgetItem; expected: BudgetItem | undefined }
  /** The plan read is older than the budget's: the case moved on between reads; read again. */
  | { kind: 'read-again' }
  | { kind: 'reserve'; planVersion: number; budget: BudgetItem }
  | { kind: 'over-budget'; planVersion: number; budget: BudgetItem };

/**
 * Whether the payment can be reserved: the case is being paid from an approved plan, in the plan's
 * currency, for a category of the plan, and the category's budget has the amount available. The
 * caller writes the outcome conditioned on what was read, so a decision on stale data never lands.
 */
export const decideReservation = (input: {
  payment: Pick<PaymentItem, 'status' | 'category' | 'amount' | 'currency'>;
  case: Pick<CaseItem, 'status' | 'approvedPlanVersion'>;
  plan: PlanVersion | undefined;
  budget: BudgetItem | undefined;
}): ReservationDecision => {
  const { payment, plan, budget } = input;
  if (payment.status !== 'requested') return { kind: 'already-processed' };
  if (input.case.status === 'closed') return { kind: 'refuse', code: 'CASE_CLOSED' };
  if (
    input.case.approvedPlanVersion === undefined ||
    !payableCaseStatuses.includes(input.case.status) ||
    plan === undefined ||
    plan.status !== 'approved' ||
    plan.version !== input.case.approvedPlanVersion
  ) {
    return { kind: 'refuse', code: 'PLAN_NOT_APPROVED' };
  }
  if (payment.currency !== plan.currency) return { kind: 'refuse', code: 'CURRENCY_MISMATCH' };
  const item = plan.items.find((candidate) => candidate.category === payment.category);
  if (item === undefined) return { kind: 'refuse', code: 'CATEGORY_NOT_IN_PLAN' };

  if (budget === undefined) {
    return {
      kind: 'align-budget',
      expected: undefined,
      budget: {
        caseId: plan.caseId,
        category: item.category,
        currency: plan.currency,
        planVersion: plan.version,
        limit: item.amount,
        reserved: 0,
        disbursed: 0,
        available: item.amount,
      },
    };
  }
  if (budget.planVersion > plan.version) return { kind: 'read-again' };
  if (budget.planVersion < plan.version) {
    const committed = budget.reserved + budget.disbursed;
    // Money committed in one currency cannot count against a limit in another.
    if (budget.currency !== plan.currency && committed > 0) return { kind: 'refuse', code: 'CURRENCY_MISMATCH' };
    return {
      kind: 'align-budget',
      expected: budget,
      budget: { ...budget, currency: plan.currency, planVersion: plan.version, limit: item.amount, available: item.amount - committed },
    };
  }
  return budget.available >= payment.amount
    ? { kind: 'reserve', planVersion: plan.version, budget }
    : { kind: 'over-budget', planVersion: plan.version, budget };
};

/**
 * The budget per category: the approved plan's amount minus what is reserved and disbursed. A
 * category that holds money but left the plan shows a limit of 0.
 */
export const budgetViews = (plan: PlanVersion | undefined, budgets: readonly BudgetItem[]): BudgetView[] => {
  const byCategory = new Map(budgets.map((budget) => [budget.category, budget]));
  const planned: BudgetView[] =
    plan === undefined
      ? []
      : plan.items.map((item) => {
          const budget = byCategory.get(item.category);
          const reserved = budget?.reserved ?? 0;
          const disbursed = budget?.disbursed ?? 0;
          return {
            category: item.category,
            currency: plan.currency,
            limit: item.amount,
            reserved,
            disbursed,
            available: item.amount - reserved - disbursed,
          };
        });
  const leftOver: BudgetView[] = budgets
    .filter((budget) => !planned.some((view) => view.category === budget.category) && budget.reserved + budget.disbursed > 0)
    .map((budget) => ({
      category: budget.category,
      currency: budget.currency,
      limit: 0,
      reserved: budget.reserved,
      disbursed: budget.disbursed,
      available: -(budget.reserved + budget.disbursed),
    }));
  return [...planned, ...leftOver];
};
