import type { CaseItem } from '#events/case';
import { type MonitoringVisit, type VisitRequest, type VisitView, visitItemId } from '#events/lifecycle';
import { type CaseActor, type Decision, historyFor, noteFor, refusalFor, refused, statusAfter } from './case-decision.ts';

/**
 * Monitoring after return: the visits the programme's schedule set on arrival, and the ones the
 * receiver records. A recorded visit fills the earliest scheduled visit still open; once the
 * schedule is done, further visits are added unscheduled. One visit per day: recording the same
 * day again with the same outcome is a retry and changes nothing.
 */

export const visitOverdue = (visit: MonitoringVisit, today: string): boolean =>
  visit.dueOn !== undefined && visit.visitedOn === undefined && today > visit.dueOn;

export const visitView = (visit: MonitoringVisit, today: string): VisitView => {
  const { caseId: _caseId, noteId: _noteId, ...shown } = visit;
  return { ...shown, overdue: visitOverdue(visit, today) };
};

export const decideVisit = (
  stored: CaseItem,
  visits: readonly MonitoringVisit[],
  actor: CaseActor,
  request: VisitRequest,
  now: Date
): Decision<VisitView> => {
  const today = now.toISOString().slice(0, 10);
  const sameDay = visits.find((visit) => visit.visitedOn === request.visitedOn);
  if (sameDay !== undefined && actor.rolesOnCase.includes('receiver') && stored.status !== 'closed') {
    return sameDay.outcome === request.outcome
      ? { kind: 'unchanged', response: visitView(sameDay, today) }
      : refused({ reason: 'conflict', detail: 'A visit on this day is already recorded with another outcome.' });
  }
  const refusal = refusalFor('recordVisit', stored, actor);
  if (refusal !== undefined) return refused(refusal);

  const errors = [];
  if (request.visitedOn > today) errors.push({ path: 'visitedOn', message: 'must not be in the future' });
  if (stored.arrival !== undefined && request.visitedOn < stored.arrival.arrivedOn) {
    errors.push({ path: 'visitedOn', message: 'must not be before the arrival' });
  }
  if (errors.length > 0) return refused({ reason: 'invalid', detail: 'The visit cannot be recorded; see errors.', errors });

  const at = now.toISOString();
  const note = noteFor(actor, 'visit_recorded', request.note, at);
  const open = [...visits].sort((a, b) => a.number - b.number).find((visit) => visit.visitedOn === undefined);
  const number = open?.number ?? (stored.visitCount ?? visits.length) + 1;
  const recorded: MonitoringVisit = {
    ...(open ?? { caseId: stored.caseId, number }),
    visitedOn: request.visitedOn,
    outcome: request.outcome,
    recordedAt: at,
    recordedBy: actor.partnerId,
    ...(note === undefined ? {} : { noteId: note.id }),
  };
  const status = statusAfter('recordVisit', stored, actor);
  return {
    kind: 'change',
    change: {
      changes: { status, ...(open === undefined ? { visitCount: number } : {}) },
      history: historyFor(stored, {
        at,
        by: actor.partnerId,
        action: 'visit_recorded',
        toStatus: status,
        reason: request.outcome,
        subject: visitItemId(number),
        note,
      }),
      note,
      records: [{ itemId: visitItemId(number), ...recorded }],
    },
    response: visitView(recorded, today),
  };
};
