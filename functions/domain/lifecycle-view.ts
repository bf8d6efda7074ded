import type { CaseItem } from '#events/case';
import type { MonitoringVisit } from '#events/lifecycle';
import type { PlanVersion } from '#events/plan';
import { visitView } from './monitoring.ts';
import type { LifecycleParts } from './referral-case.ts';
import { planOverdue } from './reintegration-plan.ts';

/** The plan (with its overdue flag) and the monitoring visits of a case, as the case view shows them. */
export const lifecycleParts = (
  stored: CaseItem,
  plans: readonly PlanVersion[],
  visits: readonly MonitoringVisit[],
  today: string
): LifecycleParts => ({
  plan:
    stored.planDueOn === undefined && plans.length === 0
      ? undefined
      : {
          ...(stored.planDueOn === undefined ? {} : { dueOn: stored.planDueOn }),
          overdue: planOverdue(stored, today),
          ...(stored.approvedPlanVersion === undefined ? {} : { approvedVersion: stored.approvedPlanVersion }),
          versions: [...plans].sort((a, b) => a.version - b.version).map(({ noteId: _noteId, ...version }) => version),
        },
  visits: [...visits].sort((a, b) => a.number - b.number).map((visit) => visitView(visit, today)),
});
