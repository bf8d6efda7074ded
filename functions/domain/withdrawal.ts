import type { CaseItem, CaseNote, HistoryEntry } from '#events/case';
import type { Role } from '#events/primitives';
import type { WithdrawRequest } from '#events/withdrawal';
import { checkTransition } from './case-lifecycle.ts';
import { todayIso } from './dates.ts';

/**
 * The person no longer wants to return. Possible until departure; withdrawing twice is one
 * withdrawal. The consent record keeps when, by whom and why consent to return was withdrawn.
 */
export type WithdrawalDecision =
  | { kind: 'withdraw'; changes: Pick<CaseItem, 'status' | 'consent'>; history: HistoryEntry; note?: CaseNote }
  | { kind: 'already-withdrawn' }
  | { kind: 'not-allowed-for-role' }
  | { kind: 'not-allowed-in-status'; currentStatus: CaseItem['status'] };

export const decideWithdrawal = (
  stored: CaseItem,
  actor: { partnerId: string; rolesOnCase: readonly Role[] },
  request: WithdrawRequest,
  now: Date
): WithdrawalDecision => {
  const check = checkTransition('withdraw', stored.status, actor.rolesOnCase);
  if (!check.allowed && check.reason === 'role') return { kind: 'not-allowed-for-role' };
  if (stored.status === 'withdrawn') return { kind: 'already-withdrawn' };
  if (!check.allowed) return { kind: 'not-allowed-in-status', currentStatus: stored.status };

  const at = now.toISOString();
  const note: CaseNote | undefined =
    request.note === undefined
      ? undefined
      : { id: `${at}#${actor.partnerId}`, at, by: actor.partnerId, action: 'withdrawn', text: request.note };
  return {
    kind: 'withdraw',
    changes: {
      status: 'withdrawn',
      consent: {
        ...stored.consent,
        withdrawnOn: todayIso(now),
        withdrawnBy: actor.partnerId,
        withdrawalReason: request.reason,
      },
    },
    history: {
      at,
      by: actor.partnerId,
      action: 'withdrawn',
      fromStatus: stored.status,
      toStatus: 'withdrawn',
      reason: request.reason,
      noteId: note?.id,
    },
    note,
  };
};
