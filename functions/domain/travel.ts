import type { CaseItem } from '#events/case';
import { addDays } from '#events/dates';
import { type ArrivalRequest, type DepartureRecord, type DepartureRequest, type MonitoringVisit, visitItemId } from '#events/lifecycle';
import type { ReferralListItem } from '#events/referral-views';
import { type CaseActor, type CaseRecord, type Decision, historyFor, refusalFor, refused } from './case-decision.ts';
import type { LifecycleRules } from './programmes.ts';
import { referralListItem } from './referral-case.ts';

/**
 * Departure (recorded by the referring partner) and arrival with the reception services given
 * (recorded by the receiving partner). Arrival starts the clock: the plan's deadline and the
 * monitoring visits are set from it.
 */

const notAfterToday = (path: string) => ({ path, message: 'must not be in the future' });

export const decideDeparture = (
  stored: CaseItem,
  actor: CaseActor,
  request: DepartureRequest,
  today: string,
  now: Date
): Decision<ReferralListItem> => {
  const departure: DepartureRecord = { ...stored.departure, ...definedFields(request) };
  if (request.departedOn !== undefined && stored.status === 'departed' && stored.departure?.departedOn === request.departedOn) {
    return { kind: 'unchanged', response: referralListItem(stored) };
  }
  const action = request.departedOn === undefined ? 'planDeparture' : 'depart';
  const refusal = refusalFor(action, stored, actor);
  if (refusal !== undefined) return refused(refusal);

  const errors = [];
  if (request.departedOn !== undefined && request.departedOn > today) errors.push(notAfterToday('departedOn'));
  if (request.departedOn !== undefined && stored.minor?.escortRequired === true && departure.escorted !== true) {
    errors.push({ path: 'escorted', message: 'must be true: the best-interests determination requires an escort' });
  }
  if (errors.length > 0) return refused({ reason: 'invalid', detail: 'The departure cannot be recorded; see errors.', errors });

  if (action === 'planDeparture' && sameDeparture(stored.departure, departure)) {
    return { kind: 'unchanged', response: referralListItem(stored) };
  }
  const at = now.toISOString();
  const status = action === 'depart' ? 'departed' : stored.status;
  return {
    kind: 'change',
    change: {
      changes: { status, departure },
      history: historyFor(stored, {
        at,
        by: actor.partnerId,
        action: action === 'depart' ? 'departed' : 'departure_planned',
        toStatus: status,
      }),
    },
    response: referralListItem({ ...stored, status, updatedAt: at }),
  };
};

export const decideArrival = (
  stored: CaseItem,
  actor: CaseActor,
  request: ArrivalRequest,
  rules: LifecycleRules | undefined,
  today: string,
  now: Date
): Decision<ReferralListItem> => {
  if (stored.arrival !== undefined && stored.status !== 'departed') {
    return decideMoreReception(stored, stored.arrival, actor, request, today, now);
  }
  const refusal = refusalFor('arrive', stored, actor);
  if (refusal !== undefined) return refused(refusal);

  const errors = [];
  if (request.arrivedOn > today) errors.push(notAfterToday('arrivedOn'));
  const departedOn = stored.departure?.departedOn;
  if (departedOn !== undefined && request.arrivedOn < departedOn) {
    errors.push({ path: 'arrivedOn', message: 'must not be before the recorded departure' });
  }
  errors.push(...receptionErrors(request, request.arrivedOn, today));
  if (rules === undefined) {
    return refused({
      reason: 'invalid',
      detail: `The programme ${stored.programmeId} is not run by this deployment, so it has no monitoring schedule; ask the coordinator.`,
      errors: [],
    });
  }
  if (errors.length > 0) return refused({ reason: 'invalid', detail: 'The arrival cannot be recorded; see errors.', errors });

  const at = now.toISOString();
  const visits: Array<CaseRecord & MonitoringVisit> = rules.monitoring.visitDaysAfterArrival.map((days, index) => ({
    itemId: visitItemId(index + 1),
    caseId: stored.caseId,
    number: index + 1,
    dueOn: addDays(request.arrivedOn, days),
  }));
  return {
    kind: 'change',
    change: {
      changes: {
        status: 'arrived',
        arrival: { arrivedOn: request.arrivedOn, reception: request.reception },
        planDueOn: addDays(request.arrivedOn, rules.monitoring.planDueDays),
        visitCount: visits.length,
      },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'arrived', toStatus: 'arrived' }),
      records: visits,
    },
    response: referralListItem({ ...stored, status: 'arrived', updatedAt: at }),
  };
};

/** The arrival again, with reception services given since it was first recorded. */
const decideMoreReception = (
  stored: CaseItem,
  arrival: NonNullable<CaseItem['arrival']>,
  actor: CaseActor,
  request: ArrivalRequest,
  today: string,
  now: Date
): Decision<ReferralListItem> => {
  const refusal = refusalFor('addReception', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  if (request.arrivedOn !== arrival.arrivedOn) {
    return refused({ reason: 'conflict', detail: 'The arrival is already recorded with another date.' });
  }
  const known = new Set(arrival.reception.map(receptionKey));
  const added = request.reception.filter((service) => !known.has(receptionKey(service)));
  if (added.length === 0) return { kind: 'unchanged', response: referralListItem(stored) };
  const errors = receptionErrors({ reception: added }, arrival.arrivedOn, today);
  if (errors.length > 0) return refused({ reason: 'invalid', detail: 'The reception services cannot be recorded; see errors.', errors });
  const at = now.toISOString();
  return {
    kind: 'change',
    change: {
      changes: { arrival: { ...arrival, reception: [...arrival.reception, ...added] } },
      history: historyFor(stored, { at, by: actor.partnerId, action: 'reception_added', toStatus: stored.status }),
    },
    response: referralListItem({ ...stored, updatedAt: at }),
  };
};

const receptionKey = (service: { service: string; providedOn: string }): string => `${service.service}@${service.providedOn}`;

const receptionErrors = (request: Pick<ArrivalRequest, 'reception'>, arrivedOn: string, today: string) =>
  request.reception.flatMap((service, index) => [
    ...(service.providedOn > today ? [notAfterToday(`reception[${index}].providedOn`)] : []),
    ...(service.providedOn < arrivedOn ? [{ path: `reception[${index}].providedOn`, message: 'must not be before the arrival' }] : []),
  ]);

const definedFields = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;

const sameDeparture = (before: DepartureRecord | undefined, after: DepartureRecord): boolean =>
  before?.plannedOn === after.plannedOn && before?.departedOn === after.departedOn && before?.escorted === after.escorted;
