import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { fullJitter, lostRace, optimistically } from '#commons/optimistic';
import { type Actor, type CaseAction, checkTransition, placeChangeOf, type TransitionCheck } from '#domain/case-lifecycle';
import { type Caps, emptyCounters, type PlaceCounters, type PlannedDecision, promotion, promotionPossible } from '#domain/places';
import type { CaseItem, CaseStatus, Eligibility } from '#events/case';
import { type CaseState, ContentionError, contentionAttempts, isNamed, noteOf, unlimited, writeCaseChange } from './case-change.ts';
import { countersKey, programmePk, waitlistPrefix } from './case-items.ts';
import { CaseRepository } from './case-repository.ts';
import { queryAll } from './dynamodb-queries.ts';
import type { PersonalDataAccess } from './personal-fields.ts';

/**
 * A programme's places and waitlist: its counters, the decisions and actions that take or give back
 * a place, and promotion from the waitlist. Every change is conditional on the counters it was
 * planned from; one that lost the race to another decider is planned again from a fresh read
 * (functions/commons/optimistic.ts), with full jitter so that concurrent deciders spread out.
 */
export class PlaceRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Seals a decision's or an action's note; only the functions that take notes hold one. */
    private readonly personalData: PersonalDataAccess = {}
  ) {
    this.cases = new CaseRepository(client, tableName, personalData);
  }

  private readonly cases: CaseRepository;

  /** A programme's place counters, read with strong consistency; all zero before its first decision. */
  async placeCounters(programmeId: string): Promise<PlaceCounters> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: countersKey(programmeId), ConsistentRead: true })
    );
    return {
      assessed: Number(Item?.assessed ?? emptyCounters.assessed),
      assisted: Number(Item?.assisted ?? emptyCounters.assisted),
      waitlisted: Number(Item?.waitlisted ?? emptyCounters.waitlisted),
    };
  }

  /**
   * Writes an eligibility decision (the engine's, or a coordinator's) planned from the programme's
   * counters, together with the counters, the waitlist and a history entry. A decision refused
   * because the counters moved is planned again from a fresh read. Returns what was written, or
   * `written: false` when the case is no longer in the state it was read in (a redelivered stream
   * record whose case is decided already, or a concurrent decision).
   */
  decide(
    state: CaseState,
    caps: Caps,
    plan: (counters: PlaceCounters) => PlannedDecision,
    decision: { by: string; action: string; note?: string | undefined }
  ): Promise<{ written: true; decision: PlannedDecision; eligibility: Eligibility } | { written: false }> {
    return optimistically(async () => {
      const planned = plan(await this.placeCounters(state.programmeId));
      const at = new Date().toISOString();
      const eligibility = eligibilityOf(planned, at, decision.by, decision.note);
      const result = await writeCaseChange(
        this.client,
        this.tableName,
        state,
        caps,
        {
          to: planned.to,
          places: planned.places,
          eligibility,
          history: {
            at,
            by: decision.by,
            action: decision.action,
            fromStatus: state.status,
            toStatus: planned.to,
            reasons: planned.reasons,
          },
          note: noteOf(decision.note, decision.by, decision.action, at),
        },
        this.personalData
      );
      if (result === 'applied') return { written: true as const, decision: planned, eligibility };
      if (result === 'case-changed') return { written: false as const };
      return lostRace;
    }, contended(state.caseId));
  }

  /**
   * Takes a lifecycle action on a case (withdraw, decline, accept, ...), with what it does to the
   * programme's places in the same transaction: a withdrawn waitlisted case leaves the waitlist, a
   * case that gives its assistance place back frees it for the waitlist (the promotion consumer
   * then promotes the oldest waitlisted case), and a case that needs a place takes one if `caps`
   * allow. `expectedVersion`, when given, refuses the action if the case changed since it was read.
   */
  takeAction(
    caseId: string,
    change: {
      action: CaseAction;
      by: string;
      actors: readonly Actor[];
      reason?: string;
      note?: string;
      expectedVersion?: number;
    },
    options: { caps?: Caps } = {}
  ): Promise<TransitionResult> {
    return optimistically<TransitionResult>(async () => {
      const current = await this.cases.getCase(caseId);
      if (current === undefined) return { outcome: 'not-found' };
      if (change.expectedVersion !== undefined && current.version !== change.expectedVersion) {
        return { outcome: 'changed', current };
      }
      const check = checkTransition(change.action, current.status, change.actors);
      if (!check.allowed) return { outcome: 'refused', check };
      const to = check.to ?? current.status;
      const places = placeChangeOf(current.status, check.to, current.assistancePlace ?? false);
      if ((places.takeAssistance || places.joinWaitlist) && options.caps === undefined) {
        throw new Error(`${change.action} needs the programme's caps: it takes an assistance place or joins the waitlist`);
      }
      const result = await writeCaseChange(
        this.client,
        this.tableName,
        current,
        options.caps ?? unlimited,
        {
          to,
          places,
          history: {
            at: new Date().toISOString(),
            by: change.by,
            action: change.action,
            fromStatus: current.status,
            toStatus: to,
            reason: change.reason,
          },
          note: noteOf(change.note, change.by, change.action),
        },
        this.personalData
      );
      if (result === 'applied') return { outcome: 'done', from: current.status, to, version: current.version + 1 };
      if (result === 'counters-changed') return { outcome: 'no-place' };
      if (result === 'case-changed' && change.expectedVersion !== undefined) return { outcome: 'changed', current };
      return lostRace;
    }, contended(caseId));
  }

  /**
   * Fills every free assistance place from the waitlist, oldest first, one optimistic promotion at
   * a time. Safe to run any number of times and concurrently: each promotion is conditional on a
   * place being free and the case still waiting, so a place is never given twice and a redelivered
   * trigger finds nothing to do.
   */
  async promoteWaitlisted(programmeId: string, caps: Caps): Promise<string[]> {
    const promoteOne = () => optimistically(() => this.promoteOldest(programmeId, caps), contended(programmeId));
    const promoted: string[] = [];
    let step = await promoteOne();
    while (step.outcome !== 'nothing-to-promote') {
      if (step.outcome === 'promoted') promoted.push(step.caseId);
      step = await promoteOne();
    }
    return promoted;
  }

  /** The programme's waitlist, oldest first. */
  async waitlist(programmeId: string): Promise<Array<{ caseId: string; waitlistedAt: string }>> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :waitlist)',
      ExpressionAttributeValues: { ':pk': programmePk(programmeId), ':waitlist': waitlistPrefix },
      ConsistentRead: true,
    });
    return items.map((item) => ({ caseId: String(item.caseId), waitlistedAt: String(item.waitlistedAt) }));
  }

  /** The oldest waiting case promoted into a free place, if there is a place and a case. */
  private async promoteOldest(
    programmeId: string,
    caps: Caps
  ): Promise<{ outcome: 'promoted'; caseId: string } | { outcome: 'stale-entry-removed' | 'nothing-to-promote' } | typeof lostRace> {
    if (!promotionPossible(caps, await this.placeCounters(programmeId))) return { outcome: 'nothing-to-promote' };
    const oldest = await this.oldestWaitlisted(programmeId);
    if (oldest === undefined) return { outcome: 'nothing-to-promote' };
    const waiting = await this.cases.getCase(oldest.caseId);
    if (waiting?.status !== 'waitlisted') {
      await this.removeStaleWaitlistEntry(programmeId, oldest.sk);
      return { outcome: 'stale-entry-removed' };
    }
    const at = new Date().toISOString();
    const result = await writeCaseChange(this.client, this.tableName, waiting, caps, {
      to: promotion.to,
      places: promotion.places,
      eligibility: eligibilityOf(promotion, at, systemActor),
      history: { at, by: systemActor, action: 'promoted', fromStatus: 'waitlisted', toStatus: promotion.to, reasons: [] },
    });
    return result === 'applied' ? { outcome: 'promoted', caseId: waiting.caseId } : lostRace;
  }

  private async oldestWaitlisted(programmeId: string): Promise<{ caseId: string; sk: string } | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :waitlist)',
        ExpressionAttributeValues: { ':pk': programmePk(programmeId), ':waitlist': waitlistPrefix },
        ConsistentRead: true,
        Limit: 1,
      })
    );
    const [first] = Items;
    return first === undefined ? undefined : { caseId: String(first.caseId), sk: String(first.sk) };
  }

  /** A waitlist entry whose case left the waitlist without going through this repository. */
  private async removeStaleWaitlistEntry(programmeId: string, sk: string): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: { pk: programmePk(programmeId), sk },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: countersKey(programmeId),
                UpdateExpression: 'ADD waitlisted :minusOne',
                ExpressionAttributeValues: { ':minusOne': -1 },
              },
            },
          ],
        })
      );
    } catch (error) {
      // Another promoter removed it first.
      if (!isNamed(error, 'TransactionCanceledException')) throw error;
    }
  }
}

export type TransitionResult =
  | { outcome: 'done'; from: CaseStatus; to: CaseStatus; version: number }
  | { outcome: 'not-found' }
  | { outcome: 'refused'; check: Extract<TransitionCheck, { allowed: false }> }
  | { outcome: 'changed'; current: CaseItem }
  | { outcome: 'no-place' };

/** The actor id of the platform's own decisions (eligibility engine, waitlist promotion). */
export const systemActor = 'system';

/** Contended counters: a bounded number of fresh plans, spread out, then a `ContentionError`. */
const contended = (id: string) => ({ attempts: contentionAttempts, exhausted: () => new ContentionError(id), backOff: fullJitter });

const eligibilityOf = (planned: PlannedDecision, at: string, by: string, note?: string): Eligibility => ({
  outcome: planned.to as Eligibility['outcome'],
  reasons: planned.reasons,
  decidedAt: at,
  decidedBy: by,
  note,
});
