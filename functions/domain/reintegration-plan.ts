import { type CaseItem, type CaseStatus, statusesAfterArrival } from '#events/case';
import type { NoteOnlyRequest, PlanResponse, ReturnPlanRequest } from '#events/lifecycle';
import { type PlanRequest, type PlanVersion, planItemId } from '#events/plan';
import {
  type CaseActor,
  type CaseChanges,
  type Decision,
  historyFor,
  noteFor,
  type Refusal,
  refusalFor,
  refused,
  statusAfter,
} from './case-decision.ts';
import type { LifecycleRules } from './programmes.ts';

/**
 * The reintegration plan: the receiver drafts a budget per category the programme funds, within
 * the programme's limits; the coordinator approves it or returns it with a note. Every draft is a
 * new version (`PLAN#<version>`); the approved version stays the one payments use until a later
 * version is approved, so a change after approval needs approval again without stopping payments.
 */

type PlanRecord = PlanVersion & { itemId: string };

const record = (version: PlanVersion): PlanRecord => ({ itemId: planItemId(version.version), ...version });

/** No plan approved, and more than the programme's deadline has passed since arrival. */
export const planOverdue = (stored: Pick<CaseItem, 'status' | 'planDueOn' | 'approvedPlanVersion'>, today: string): boolean =>
  stored.planDueOn !== undefined &&
  stored.approvedPlanVersion === undefined &&
  (statusesAfterArrival as readonly string[]).includes(stored.status) &&
  today > stored.planDueOn;

export const planResponse = (version: PlanVersion, stored: CaseItem, today: string): PlanResponse => {
  const { noteId: _noteId, ...shown } = version;
  return {
    ...shown,
    ...(stored.approvedPlanVersion === undefined ? {} : { approvedVersion: stored.approvedPlanVersion }),
    ...(stored.planDueOn === undefined ? {} : { dueOn: stored.planDueOn }),
    overdue: planOverdue(stored, today),
  };
};

const latestOf = (stored: CaseItem, plans: readonly PlanVersion[]): PlanVersion | undefined =>
  plans.find((plan) => plan.version === stored.planVersion);

/** Where a plan breaks the programme's rules, field by field. */
export const planErrors = (request: PlanRequest, rules: LifecycleRules): Array<{ path: string; message: string }> => {
  const { currency, categories } = rules.reintegration;
  const errors: Array<{ path: string; message: string }> = [];
  if (request.currency !== currency) errors.push({ path: 'currency', message: `must be ${currency}, the programme's currency` });
  const seen = new Set<string>();
  request.items.forEach((item, index) => {
    const funded = categories.find((candidate) => candidate.category === item.category);
    if (funded === undefined) {
      errors.push({
        path: `items[${index}].category`,
        message: `must be a category the programme funds: ${categories.map((candidate) => candidate.category).join(', ')}`,
      });
    } else if (item.amount > funded.limit) {
      errors.push({
        path: `items[${index}].amount`,
        message: `must be at most ${funded.limit}, the programme's limit for ${item.category}`,
      });
    }
    if (seen.has(item.category)) errors.push({ path: `items[${index}].category`, message: 'appears more than once' });
    seen.add(item.category);
  });
  return errors;
};

const sameContent = (version: PlanVersion, request: PlanRequest): boolean =>
  version.currency === request.currency &&
  version.items.length === request.items.length &&
  version.items.every((item, index) => item.category === request.items[index]?.category && item.amount === request.items[index]?.amount);

export const decideDraftPlan = (
  stored: CaseItem,
  plans: readonly PlanVersion[],
  actor: CaseActor,
  request: PlanRequest,
  rules: LifecycleRules | undefined,
  now: Date
): Decision<PlanResponse> => {
  const refusal = refusalFor('draftPlan', stored, actor);
  if (refusal !== undefined) return refused(refusal);
  if (rules === undefined) {
    return refused({
      reason: 'invalid',
      detail: `The programme ${stored.programmeId} is not run by this deployment, so it funds no categories; ask the coordinator.`,
      errors: [],
    });
  }
  const errors = planErrors(request, rules);
  if (errors.length > 0) {
    return refused({ reason: 'invalid', detail: "The plan does not fit the programme's categories and limits; see errors.", errors });
  }
  const today = now.toISOString().slice(0, 10);
  const latest = latestOf(stored, plans);
  if (latest !== undefined && latest.status !== 'returned' && sameContent(latest, request)) {
    return { kind: 'unchanged', response: planResponse(latest, stored, today) };
  }

  const at = now.toISOString();
  const note = noteFor(actor, 'plan_submitted', request.note, at);
  const drafted: PlanVersion = {
    caseId: stored.caseId,
    version: (stored.planVersion ?? 0) + 1,
    status: 'submitted',
    currency: request.currency,
    items: request.items,
    draftedAt: at,
    draftedBy: actor.partnerId,
    ...(note === undefined ? {} : { noteId: note.id }),
  };
  const supersededDraft = latest?.status === 'submitted' ? [record({ ...latest, status: 'superseded' })] : [];
  const changes = { planVersion: drafted.version, planStatus: drafted.status };
  return {
    kind: 'change',
    change: {
      changes,
      history: historyFor(stored, {
        at,
        by: actor.partnerId,
        action: 'plan_submitted',
        toStatus: stored.status,
        subject: planItemId(drafted.version),
        note,
      }),
      note,
      records: [record(drafted), ...supersededDraft],
    },
    response: planResponse(drafted, { ...stored, ...changes }, today),
  };
};

/** A coordinator's verdict on the latest plan version: what approving and returning have in common. */
interface PlanVerdict {
  action: 'approvePlan' | 'returnPlan';
  status: 'approved' | 'returned';
  historyAction: 'plan_approved' | 'plan_returned';
  /** The verdict is on record already: a coordinator's retry gets it back unchanged. */
  alreadyGiven: (latest: PlanVersion) => boolean;
  /** A refusal of this verdict's own, once the lifecycle allows the action. */
  refusal?: (latest: PlanVersion) => Refusal | undefined;
  /** What the verdict changes on the case, the status it leaves, and the other versions it rewrites. */
  effects: (decided: PlanVersion) => { changes: CaseChanges; toStatus: CaseStatus; records: PlanRecord[] };
}

type PlanVerdictDecider<Request extends { note?: string | undefined }> = (
  stored: CaseItem,
  plans: readonly PlanVersion[],
  actor: CaseActor,
  request: Request,
  now: Date
) => Decision<PlanResponse>;

const decideVerdict = (
  stored: CaseItem,
  plans: readonly PlanVersion[],
  actor: CaseActor,
  noteText: string | undefined,
  now: Date,
  verdict: PlanVerdict
): Decision<PlanResponse> => {
  const today = now.toISOString().slice(0, 10);
  const latest = latestOf(stored, plans);
  if (latest !== undefined && verdict.alreadyGiven(latest) && actor.rolesOnCase.includes('coordinator')) {
    return { kind: 'unchanged', response: planResponse(latest, stored, today) };
  }
  const refusal = refusalFor(verdict.action, stored, actor);
  if (refusal !== undefined) return refused(refusal);
  if (latest === undefined) throw new Error(`case ${stored.caseId} names plan version ${stored.planVersion} but it is missing`);
  const ownRefusal = verdict.refusal?.(latest);
  if (ownRefusal !== undefined) return refused(ownRefusal);

  const at = now.toISOString();
  const note = noteFor(actor, verdict.historyAction, noteText, at);
  const decided: PlanVersion = {
    ...latest,
    status: verdict.status,
    decidedAt: at,
    decidedBy: actor.partnerId,
    ...(note === undefined ? {} : { noteId: note.id }),
  };
  const { changes, toStatus, records } = verdict.effects(decided);
  return {
    kind: 'change',
    change: {
      changes,
      history: historyFor(stored, {
        at,
        by: actor.partnerId,
        action: verdict.historyAction,
        toStatus,
        subject: planItemId(decided.version),
        note,
      }),
      note,
      records: [record(decided), ...records],
    },
    response: planResponse(decided, { ...stored, ...changes }, today),
  };
};

export const decideApprovePlan: PlanVerdictDecider<NoteOnlyRequest> = (stored, plans, actor, request, now) =>
  decideVerdict(stored, plans, actor, request.note, now, {
    action: 'approvePlan',
    status: 'approved',
    historyAction: 'plan_approved',
    alreadyGiven: (latest) => latest.status === 'approved' && stored.approvedPlanVersion === latest.version,
    refusal: (latest) =>
      latest.draftedBy === actor.partnerId
        ? { reason: 'role', action: 'approvePlan', detail: 'A plan is approved by someone other than the partner who drafted it.' }
        : undefined,
    effects: (approved) => {
      const previouslyApproved = plans.find((plan) => plan.version === stored.approvedPlanVersion);
      const status = statusAfter('approvePlan', stored, actor);
      return {
        changes: { status, approvedPlanVersion: approved.version, planStatus: approved.status },
        toStatus: status,
        records: previouslyApproved === undefined ? [] : [record({ ...previouslyApproved, status: 'superseded' })],
      };
    },
  });

export const decideReturnPlan: PlanVerdictDecider<ReturnPlanRequest> = (stored, plans, actor, request, now) =>
  decideVerdict(stored, plans, actor, request.note, now, {
    action: 'returnPlan',
    status: 'returned',
    historyAction: 'plan_returned',
    alreadyGiven: (latest) => latest.status === 'returned',
    effects: (returned) => ({ changes: { planStatus: returned.status }, toStatus: stored.status, records: [] }),
  });
