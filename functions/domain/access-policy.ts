import type { Role } from '#events/primitives';

/**
 * Who may see which case, in one place. A referrer sees the cases it referred, a receiver the cases
 * offered or assigned to it, a coordinator every case, finance every case without personal data.
 * A case the caller may not see is answered exactly like a case that does not exist (404).
 */
export interface Caller {
  partnerId: string;
  roles: readonly Role[];
}

export interface CaseParties {
  referrerId: string;
  receiverId?: string | undefined;
}

/** `full` includes the person's data; `finance` is the payment-relevant fields only. */
export type CaseView = 'full' | 'finance';

/** The roles the caller holds on this particular case: a referrer role counts only on its own cases. */
export const rolesOnCase = (caller: Caller, parties: CaseParties): Role[] =>
  caller.roles.filter((role) => {
    switch (role) {
      case 'referrer':
        return parties.referrerId === caller.partnerId;
      case 'receiver':
        return parties.receiverId === caller.partnerId;
      case 'coordinator':
      case 'finance':
        return true;
      default:
        return false;
    }
  });

/** The view of the case the caller gets, or undefined when it may not see the case at all. */
export const caseViewFor = (caller: Caller, parties: CaseParties): CaseView | undefined => {
  const roles = rolesOnCase(caller, parties);
  if (roles.some((role) => role !== 'finance')) return 'full';
  return roles.includes('finance') ? 'finance' : undefined;
};
