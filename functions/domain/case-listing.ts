import type { CaseStatus } from '#events/case';
import type { Role } from '#events/primitives';
import type { Caller } from './access-policy.ts';

/**
 * Which cases "my cases" are for a caller: coordinators and finance list every case (or every case
 * in one status), a referrer the cases it referred, a receiver the cases offered or assigned to it.
 * A partner holding several roles lists as the widest one unless it asks for another with `as`.
 * Which index answers a listing is the case repository's business.
 */
export type CaseListing =
  | { of: 'every-case' }
  | { of: 'status'; status: CaseStatus }
  | { of: 'referrer'; partnerId: string }
  | { of: 'receiver'; partnerId: string };

const widestFirst: readonly Role[] = ['coordinator', 'finance', 'referrer', 'receiver'];

export const listingFor = (
  caller: Caller,
  query: { as?: Role | undefined; status?: CaseStatus | undefined }
): CaseListing | 'role-not-held' => {
  const perspective = query.as ?? widestFirst.find((role) => caller.roles.includes(role));
  if (perspective === undefined || !caller.roles.includes(perspective)) return 'role-not-held';
  switch (perspective) {
    case 'coordinator':
    case 'finance':
      return query.status === undefined ? { of: 'every-case' } : { of: 'status', status: query.status };
    case 'referrer':
      return { of: 'referrer', partnerId: caller.partnerId };
    case 'receiver':
      return { of: 'receiver', partnerId: caller.partnerId };
  }
};
