import { describe, expect, it } from 'vitest';
import { type CaseStatus, caseStatuses } from '../../events/case.ts';
import { type Actor, type CaseAction, type CaseFacts, caseActions, checkTransition } from '../../functions/domain/case-lifecycle.ts';

/**
 * The lifecycle as the README ("The life of a case after eligibility") describes it, written out
 * independently of the module:
 * for each action, the statuses it may start from and who may take it.
 */
const beforeDeparture: CaseStatus[] = ['submitted', 'needs_review', 'eligible', 'ineligible', 'waitlisted', 'accepted', 'declined'];
const afterArrival: CaseStatus[] = ['arrived', 'reintegrating', 'monitoring'];
const expected: Record<CaseAction, { from: CaseStatus[]; by: Actor[] }> = {
  assessEligible: { from: ['submitted'], by: ['system'] },
  assessIneligible: { from: ['submitted'], by: ['system'] },
  assessNeedsReview: { from: ['submitted'], by: ['system'] },
  assessWaitlisted: { from: ['submitted'], by: ['system'] },
  decideEligible: { from: ['needs_review'], by: ['coordinator'] },
  decideIneligible: { from: ['needs_review'], by: ['coordinator'] },
  decideWaitlisted: { from: ['needs_review'], by: ['coordinator'] },
  promote: { from: ['waitlisted'], by: ['system'] },
  withdraw: { from: beforeDeparture, by: ['referrer', 'coordinator'] },
  offer: { from: ['eligible'], by: ['system'] },
  reassign: { from: ['eligible'], by: ['coordinator'] },
  accept: { from: ['eligible'], by: ['receiver'] },
  decline: { from: ['eligible'], by: ['receiver'] },
  planDeparture: { from: ['accepted'], by: ['referrer'] },
  depart: { from: ['accepted'], by: ['referrer'] },
  arrive: { from: ['departed'], by: ['receiver'] },
  addReception: { from: afterArrival, by: ['receiver'] },
  draftPlan: { from: afterArrival, by: ['receiver'] },
  approvePlan: { from: afterArrival, by: ['coordinator'] },
  returnPlan: { from: afterArrival, by: ['coordinator'] },
  recordVisit: { from: afterArrival, by: ['receiver'] },
  close: { from: ['departed', ...afterArrival], by: ['coordinator'] },
  reopen: { from: ['closed'], by: ['coordinator'] },
};
const actors: Actor[] = ['referrer', 'receiver', 'coordinator', 'finance', 'system'];
const actions = Object.keys(caseActions) as CaseAction[];

/** Facts under which every precondition holds. */
const factsThatHold: CaseFacts = {
  planStatus: 'submitted',
  closure: { exitReason: 'completed', closedAt: '2027-01-01T00:00:00.000Z', closedBy: 'coordinator-x', statusBeforeClosure: 'monitoring' },
};

describe('the state machine', () => {
  it('names exactly the actions of the expected lifecycle', () => {
    expect(actions.sort()).toEqual((Object.keys(expected) as CaseAction[]).sort());
  });

  const cells = actions.flatMap((action) => caseStatuses.map((status) => [action, status] as const));
  it.each(cells)('%s in %s: allowed exactly when the lifecycle says so, otherwise refused naming the status', (action, status) => {
    const check = checkTransition(action, status, expected[action].by, factsThatHold);
    if (expected[action].from.includes(status)) {
      expect(check.allowed).toBe(true);
    } else {
      expect(check).toEqual({ allowed: false, reason: 'status', currentStatus: status });
    }
  });

  const roleCells = actions.flatMap((action) =>
    actors.filter((actor) => !expected[action].by.includes(actor)).map((actor) => [action, actor] as const)
  );
  it.each(roleCells)('%s by %s is refused for the role, whatever the status', (action, actor) => {
    for (const status of caseStatuses) {
      expect(checkTransition(action, status, [actor], factsThatHold)).toEqual({
        allowed: false,
        reason: 'role',
        allowedRoles: expected[action].by,
      });
    }
  });

  it('a closed case accepts nothing but reopening', () => {
    const allowed = actions.filter((action) => checkTransition(action, 'closed', expected[action].by, factsThatHold).allowed);
    expect(allowed).toEqual(['reopen']);
  });

  it('a partner holding several roles is allowed if one of them may act', () => {
    expect(checkTransition('accept', 'eligible', ['referrer', 'receiver'])).toEqual({ allowed: true, to: 'accepted' });
  });
});

describe('where actions lead', () => {
  it.each([
    ['accept', 'eligible', 'accepted'],
    ['decline', 'eligible', 'declined'],
    ['offer', 'eligible', 'eligible'],
    ['reassign', 'eligible', 'eligible'],
    ['planDeparture', 'accepted', 'accepted'],
    ['depart', 'accepted', 'departed'],
    ['arrive', 'departed', 'arrived'],
    ['draftPlan', 'monitoring', 'monitoring'],
    ['approvePlan', 'arrived', 'reintegrating'],
    ['approvePlan', 'reintegrating', 'reintegrating'],
    ['approvePlan', 'monitoring', 'monitoring'],
    ['returnPlan', 'arrived', 'arrived'],
    ['recordVisit', 'arrived', 'arrived'],
    ['recordVisit', 'reintegrating', 'monitoring'],
    ['recordVisit', 'monitoring', 'monitoring'],
    ['close', 'departed', 'closed'],
    ['close', 'monitoring', 'closed'],
    ['reopen', 'closed', 'monitoring'],
  ] as const)('%s from %s leads to %s', (action, from, to) => {
    expect(checkTransition(action, from, expected[action].by, factsThatHold)).toEqual({ allowed: true, to });
  });

  it('reopening returns to the status the case had when it was closed', () => {
    const closure = { ...factsThatHold.closure!, statusBeforeClosure: 'departed' as const };
    expect(checkTransition('reopen', 'closed', ['coordinator'], { closure })).toEqual({ allowed: true, to: 'departed' });
  });
});

describe('preconditions', () => {
  it('an offer is made once: a case already offered to a receiver is not offered again', () => {
    expect(checkTransition('offer', 'eligible', ['system'], {})).toEqual({ allowed: true, to: 'eligible' });
    expect(checkTransition('offer', 'eligible', ['system'], { receiverId: 'receiver-al-1' })).toEqual({
      allowed: false,
      reason: 'precondition',
      precondition: 'unassigned',
      currentStatus: 'eligible',
    });
  });

  it.each(['approvePlan', 'returnPlan'] as const)('%s needs a plan version waiting for a decision', (action) => {
    for (const planStatus of [undefined, 'approved', 'returned', 'superseded'] as const) {
      expect(checkTransition(action, 'arrived', ['coordinator'], { planStatus })).toMatchObject({
        allowed: false,
        reason: 'precondition',
        precondition: 'planAwaitingApproval',
        currentStatus: 'arrived',
      });
    }
    expect(checkTransition(action, 'arrived', ['coordinator'], { planStatus: 'submitted' }).allowed).toBe(true);
  });

  it('reopening needs the closure on record, and the status comes first', () => {
    expect(checkTransition('reopen', 'closed', ['coordinator'], {})).toMatchObject({
      reason: 'precondition',
      precondition: 'closureRecorded',
    });
    expect(checkTransition('reopen', 'monitoring', ['coordinator'], {})).toMatchObject({ reason: 'status', currentStatus: 'monitoring' });
  });
});
