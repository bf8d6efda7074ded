import type { CaseItem } from '#events/case';
import type { CloseRequest, NoteOnlyRequest } from '#events/lifecycle';
import type { ReferralListItem } from '#events/referral-views';
import { type CaseActor, type Decision, historyFor, noteFor, refusalFor, refused, statusAfter } from './case-decision.ts';
import { referralListItem } from './referral-case.ts';

/**
 * The coordinator closes a case with an exit reason; a closed case accepts nothing but reopening,
 * which takes it back to where it was when it was closed.
 */

export const decideClose = (stored: CaseItem, actor: CaseActor, request: CloseRequest, now: Date): Decision<ReferralListItem> => {
  if (stored.status === 'closed' && stored.closure?.exitReason === request.exitReason && actor.rolesOnCase.includes('coordinator')) {
    return { kind: 'unchanged', response: referralListItem(stored) };
  }
  const refusal = refusalFor('close', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  const at = now.toISOString();
  const status = statusAfter('close', stored, actor);
  const note = noteFor(actor, 'closed', request.note, at);
  return {
    kind: 'change',
    change: {
      changes: {
        status,
        closure: { exitReason: request.exitReason, closedAt: at, closedBy: actor.partnerId, statusBeforeClosure: stored.status },
      },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'closed', toStatus: status, reason: request.exitReason, note }),
      note,
    },
    response: referralListItem({ ...stored, status, updatedAt: at }),
  };
};

export const decideReopen = (stored: CaseItem, actor: CaseActor, request: NoteOnlyRequest, now: Date): Decision<ReferralListItem> => {
  const refusal = refusalFor('reopen', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  const closure = stored.closure;
  if (closure === undefined) throw new Error(`case ${stored.caseId} is closed without a closure record`);
  const at = now.toISOString();
  const status = statusAfter('reopen', stored, actor);
  const note = noteFor(actor, 'reopened', request.note, at);
  return {
    kind: 'change',
    change: {
      changes: { status, closure: { ...closure, reopenedAt: at, reopenedBy: actor.partnerId } },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'reopened', toStatus: status, note }),
      note,
    },
    response: referralListItem({ ...stored, status, updatedAt: at }),
  };
};
