import type { CaseItem, HistoryEntry } from '#events/case';
import type { DeclineRequest, NoteOnlyRequest, ReassignRequest } from '#events/lifecycle';
import type { ReferralListItem } from '#events/referral-views';
import { type CaseActor, type Decision, historyFor, noteFor, refusalFor, refused, statusAfter } from './case-decision.ts';
import { referralListItem } from './referral-case.ts';

/**
 * Offer and acceptance: an eligible case goes to the receiving partner registered for its
 * programme and country of origin; the coordinator may offer it to another one while the offer is
 * open; the receiver accepts it or declines it with a reason.
 */

export interface ReceiverCandidate {
  partnerId: string;
  roles: readonly string[];
  country: string;
  status: 'active' | 'disabled';
  /** Programmes the partner works for; a partner without the list works for every programme. */
  programmes?: readonly string[] | undefined;
}

/** Whether a partner can receive cases of this programme returning to this country. */
export const canReceive = (partner: ReceiverCandidate, programmeId: string, originCountry: string): boolean =>
  partner.status === 'active' &&
  partner.roles.includes('receiver') &&
  partner.country === originCountry &&
  (partner.programmes === undefined || partner.programmes.includes(programmeId));

/**
 * The receiver an eligible case is offered to. A partner that names the programme is preferred to
 * one that works for every programme; among equals the choice is stable (partner id order), so a
 * redelivered stream record picks the same partner.
 */
export const chooseReceiver = (
  candidates: readonly ReceiverCandidate[],
  stored: Pick<CaseItem, 'programmeId' | 'originCountry'>
): string | undefined =>
  candidates
    .filter((partner) => canReceive(partner, stored.programmeId, stored.originCountry))
    .sort((a, b) => Number(b.programmes !== undefined) - Number(a.programmes !== undefined) || a.partnerId.localeCompare(b.partnerId))[0]
    ?.partnerId;

export const systemActor: CaseActor = { partnerId: 'system', rolesOnCase: ['system'] };

/**
 * The platform offers an eligible, unassigned case; an offer already made is left alone. Without a
 * receiving partner registered for the programme and country, the case stays eligible for the
 * coordinator to assign, and its history says so once.
 */
export const decideOffer = (
  stored: CaseItem,
  history: readonly HistoryEntry[],
  candidates: readonly ReceiverCandidate[],
  now: Date
): Decision<ReferralListItem> => {
  const refusal = refusalFor('offer', stored, systemActor);
  if (refusal !== undefined) return refused(refusal);
  const receiverId = chooseReceiver(candidates, stored);
  const at = now.toISOString();
  if (receiverId === undefined) {
    if (history.some((entry) => entry.action === 'offer_unmatched')) return { kind: 'unchanged', response: referralListItem(stored) };
    return {
      kind: 'change',
      change: {
        changes: {},
        history: historyFor(stored, {
          at,
          by: systemActor.partnerId,
          action: 'offer_unmatched',
          toStatus: stored.status,
          reason: 'NO_RECEIVER_REGISTERED',
        }),
      },
      response: referralListItem({ ...stored, updatedAt: at }),
    };
  }
  return {
    kind: 'change',
    change: {
      changes: { receiverId },
      history: historyFor(stored, { at, by: systemActor.partnerId, action: 'offered', toStatus: stored.status, subject: receiverId }),
    },
    response: referralListItem({ ...stored, updatedAt: at }),
  };
};

export const decideReassign = (
  stored: CaseItem,
  actor: CaseActor,
  request: ReassignRequest,
  newReceiver: ReceiverCandidate | undefined,
  now: Date
): Decision<ReferralListItem> => {
  const refusal = refusalFor('reassign', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  if (stored.receiverId === request.receiverId) return { kind: 'unchanged', response: referralListItem(stored) };
  if (newReceiver === undefined || !canReceive(newReceiver, stored.programmeId, stored.originCountry)) {
    return refused({
      reason: 'invalid',
      detail: `The case can only be offered to an active receiving partner in ${stored.originCountry} working for ${stored.programmeId}.`,
      errors: [{ path: 'receiverId', message: 'is not an active receiving partner for this programme and country of origin' }],
    });
  }
  const at = now.toISOString();
  const note = noteFor(actor, 'reassigned', request.note, at);
  return {
    kind: 'change',
    change: {
      changes: { receiverId: request.receiverId },
      history: historyFor(stored, {
        at,
        by: actor.partnerId,
        action: 'reassigned',
        toStatus: stored.status,
        subject: request.receiverId,
        note,
      }),
      note,
    },
    response: referralListItem({ ...stored, updatedAt: at }),
  };
};

export const decideAccept = (stored: CaseItem, actor: CaseActor, request: NoteOnlyRequest, now: Date): Decision<ReferralListItem> => {
  if (stored.status === 'accepted' && actor.rolesOnCase.includes('receiver')) {
    return { kind: 'unchanged', response: referralListItem(stored) };
  }
  const refusal = refusalFor('accept', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  const at = now.toISOString();
  const status = statusAfter('accept', stored, actor);
  const note = noteFor(actor, 'accepted', request.note, at);
  return {
    kind: 'change',
    change: {
      changes: { status },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'accepted', toStatus: status, note }),
      note,
    },
    response: referralListItem({ ...stored, status, updatedAt: at }),
  };
};

export const decideDecline = (stored: CaseItem, actor: CaseActor, request: DeclineRequest, now: Date): Decision<ReferralListItem> => {
  if (stored.status === 'declined' && actor.rolesOnCase.includes('receiver')) {
    return { kind: 'unchanged', response: referralListItem(stored) };
  }
  const refusal = refusalFor('decline', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  const at = now.toISOString();
  const status = statusAfter('decline', stored, actor);
  const note = noteFor(actor, 'declined', request.note, at);
  return {
    kind: 'change',
    change: {
      changes: { status },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'declined', toStatus: status, reason: request.reason, note }),
      note,
    },
    response: referralListItem({ ...stored, status, updatedAt: at }),
  };
};
