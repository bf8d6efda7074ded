import type { CaseStatus } from '#events/case';
import type { Role } from '#events/primitives';
import type { Caller } from './access-policy.ts';

/**
 * Which index answers "my cases" for a caller: coordinators and finance list every case, a referrer
 * the cases it referred, a receiver the cases offered or assigned to it. A partner holding several
 * roles lists as the widest one unless it asks for another with `as`.
 */
export type CaseListIndex = 'byReferrer' | 'byReceiver' | 'byStatus' | 'allCases';

export interface CaseListPlan {
  index: CaseListIndex;
  partition: { name: string; value: string };
}

const widestFirst: readonly Role[] = ['coordinator', 'finance', 'referrer', 'receiver'];

export const listPlanFor = (
  caller: Caller,
  query: { as?: Role | undefined; status?: CaseStatus | undefined }
): CaseListPlan | 'role-not-held' => {
  const perspective = query.as ?? widestFirst.find((role) => caller.roles.includes(role));
  if (perspective === undefined || !caller.roles.includes(perspective)) return 'role-not-held';
  switch (perspective) {
    case 'coordinator':
    case 'finance':
      return query.status === undefined
        ? { index: 'allCases', partition: { name: 'entity', value: 'CASE' } }
        : { index: 'byStatus', partition: { name: 'status', value: query.status } };
    case 'referrer':
      return { index: 'byReferrer', partition: { name: 'referrerId', value: caller.partnerId } };
    case 'receiver':
      return { index: 'byReceiver', partition: { name: 'receiverId', value: caller.partnerId } };
  }
};
