import type { CaseItem, CaseNote } from '#events/case';
import { todayIso } from '#events/dates';
import type { ReferralListItem } from '#events/referral-views';
import type { WithdrawRequest } from '#events/withdrawal';
import { type CaseActor, type Decision, refused } from './case-decision.ts';
import { checkTransition } from './case-lifecycle.ts';
import { referralListItem } from './referral-case.ts';

/**
 * The person no longer wants to return. Possible until departure; withdrawing twice is one
 * withdrawal. The consent record keeps when, by whom and why consent to return was withdrawn.
 * The refusals keep their own words (they predate the lifecycle's generic ones), and the role is
 * checked before the status so that a partner without the role learns nothing of the case.
 */
export const decideWithdrawal = (stored: CaseItem, actor: CaseActor, request: WithdrawRequest, now: Date): Decision<ReferralListItem> => {
  const check = checkTransition('withdraw', stored.status, actor.rolesOnCase);
  if (!check.allowed && check.reason === 'role') {
    return refused({ reason: 'role', action: 'withdraw', detail: 'Only the referrer of the case or a coordinator may withdraw it.' });
  }
  if (stored.status === 'withdrawn') return { kind: 'unchanged', response: referralListItem(stored) };
  if (!check.allowed) {
    return refused({
      reason: 'status',
      currentStatus: stored.status,
      detail: `The case is ${stored.status}: a referral can be withdrawn only before departure.`,
    });
  }

  const at = now.toISOString();
  const note: CaseNote | undefined =
    request.note === undefined
      ? undefined
      : { id: `${at}#${actor.partnerId}`, at, by: actor.partnerId, action: 'withdrawn', text: request.note };
  const changes = {
    status: 'withdrawn',
    consent: {
      ...stored.consent,
      withdrawnOn: todayIso(now),
      withdrawnBy: actor.partnerId,
      withdrawalReason: request.reason,
    },
  } satisfies Pick<CaseItem, 'status' | 'consent'>;
  return {
    kind: 'change',
    change: {
      changes,
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
    },
    response: referralListItem({ ...stored, ...changes, updatedAt: at }),
  };
};
