import { randomUUID } from 'node:crypto';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { CaseChange } from '#domain/case-decision';
import { type Actor, type CaseAction, checkTransition, placeChangeOf, type TransitionCheck } from '#domain/case-lifecycle';
import { duplicateKey } from '#domain/duplicate-key';
import { ageBandOf, type CaseFigureFacts } from '#domain/figures';
import {
  type Caps,
  counterDeltas,
  emptyCounters,
  holdsAssistancePlaceAfter,
  type PlaceChange,
  type PlaceCounters,
  type PlannedDecision,
  promotion,
  promotionPossible,
} from '#domain/places';
import { formatReference, type NewCase } from '#domain/referral-case';
import {
  type CaseItem,
  type CaseNote,
  type CaseStatus,
  caseItemSchema,
  caseNoteSchema,
  type Eligibility,
  type HistoryEntry,
  historyEntrySchema,
} from '#events/case';
import { type MonitoringVisit, monitoringVisitSchema } from '#events/lifecycle';
import { type PlanVersion, planVersionSchema } from '#events/plan';
import { queryAll, queryPrefixes } from './dynamodb-queries.ts';

/**
 * The only code that reads or writes a case item, and so the only code that touches `person`:
 * field-level encryption of that block can be added here without changing a handler.
 */
export class CaseRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /**
   * Next human-readable reference for a programme and host country. A reference whose case write
   * then fails is never reused: references may have gaps, never duplicates.
   */
  async allocateReference(programmeId: string, hostCountry: string): Promise<string> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: 'COUNTER#REFERENCE', sk: `${programmeId}-${hostCountry}` },
        UpdateExpression: 'ADD #sequence :one',
        ExpressionAttributeNames: { '#sequence': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      })
    );
    return formatReference(programmeId, hostCountry, Number(Attributes?.sequence));
  }

  /** Writes a new case and its first history entry together, or neither. */
  async create(newCase: NewCase, history: HistoryEntry): Promise<void> {
    const pk = casePk(newCase.caseId);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: 'CASE', ...newCase },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.tableName,
              Item: { pk, sk: historySk(history, newCase.version), ...history },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      })
    );
  }

  /**
   * Applies a change a route decided on a case it read, if nobody changed the case since (status and
   * version), with the history entry and note that explain it. A status change gives back or leaves
   * the programme's places in the same transaction (a withdrawn or declined case frees its
   * assistance place for the waitlist), so no route can forget to. Changes that take a place go
   * through `decide` or `takeAction` with the programme's caps instead. Returns `conflict` when the
   * case moved on, so the caller can read it again and decide afresh.
   */
  async transition(stored: CaseItem, change: CaseChange): Promise<'applied' | 'conflict'> {
    const { status: to = stored.status, ...changes } = change.changes;
    const places = placeChangeOf(stored.status, to === stored.status ? undefined : to, stored.assistancePlace ?? false);
    if (places.takeAssistance || places.joinWaitlist) {
      throw new Error(`moving a case from ${stored.status} to ${to} takes a place: use decide or takeAction with the caps`);
    }
    const result = await this.writeChange(stored, unlimited, {
      to,
      places,
      changes,
      history: change.history,
      note: change.note,
      records: change.records,
    });
    if (result === 'applied') return 'applied';
    if (result === 'counters-changed') throw new ContentionError(stored.caseId);
    return 'conflict';
  }

  /**
   * One page of cases from an index, newest first. The cursor is the page's last key, checked to lie
   * in the same index partition, so a client can only page through what it was allowed to list.
   */
  async list(query: {
    index: 'byReferrer' | 'byReceiver' | 'byStatus' | 'allCases';
    partition: { name: string; value: string };
    status?: CaseStatus | undefined;
    limit: number;
    cursor?: Record<string, string> | undefined;
  }): Promise<{ items: CaseListRow[]; nextKey?: Record<string, string> }> {
    const filterOnStatus = query.status !== undefined && query.partition.name !== 'status';
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: query.index,
        KeyConditionExpression: '#partition = :partition',
        FilterExpression: filterOnStatus ? '#status = :status' : undefined,
        ExpressionAttributeNames: { '#partition': query.partition.name, ...(filterOnStatus ? { '#status': 'status' } : {}) },
        ExpressionAttributeValues: {
          ':partition': query.partition.value,
          ...(filterOnStatus ? { ':status': query.status } : {}),
        },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: query.cursor,
      })
    );
    return {
      items: (page.Items ?? []).map((item) => caseListRowSchema.parse(item)),
      ...(page.LastEvaluatedKey === undefined ? {} : { nextKey: page.LastEvaluatedKey as Record<string, string> }),
    };
  }

  /** The case with its history, notes, plans and visits (not its payments or ledger), or undefined when there is no such case. */
  async get(caseId: string): Promise<StoredCase | undefined> {
    const items = await queryPrefixes(this.client, {
      tableName: this.tableName,
      pk: casePk(caseId),
      prefixes: ['CASE', 'HISTORY#', 'NOTE#', 'PLAN#', 'VISIT#'],
    });
    const caseItem = items.find((item) => item.sk === 'CASE');
    if (caseItem === undefined) return undefined;
    return {
      case: caseItemSchema.parse(caseItem),
      history: itemsWithPrefix(items, 'HISTORY#').map((item) => historyEntrySchema.parse(item)),
      notes: itemsWithPrefix(items, 'NOTE#').map((item) => caseNoteSchema.parse(item)),
      plans: itemsWithPrefix(items, 'PLAN#').map((item) => planVersionSchema.parse(item)),
      visits: itemsWithPrefix(items, 'VISIT#').map((item) => monitoringVisitSchema.parse(item)),
    };
  }

  /** The case item read with strong consistency, or undefined. */
  async getCase(caseId: string): Promise<CaseItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: casePk(caseId), sk: 'CASE' }, ConsistentRead: true })
    );
    return Item === undefined ? undefined : caseItemSchema.parse(Item);
  }

  /**
   * Registers the person behind a case under the keyed hash of their name, date of birth and
   * nationality, and returns the first case registered for that hash: this case, unless an earlier
   * referral seems to concern the same person. Only the first case id is stored.
   */
  async registerPerson(caseItem: CaseItem, secret: Uint8Array): Promise<{ firstCaseId: string }> {
    const key = { pk: `DUPLICATE#${duplicateKey(caseItem.person, secret)}`, sk: 'DUPLICATE' };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, firstCaseId: caseItem.caseId, registeredAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      );
      return { firstCaseId: caseItem.caseId };
    } catch (error) {
      if (!isNamed(error, 'ConditionalCheckFailedException')) throw error;
    }
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return { firstCaseId: String(Item?.firstCaseId) };
  }

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
  async decide(
    state: CaseState,
    caps: Caps,
    plan: (counters: PlaceCounters) => PlannedDecision,
    decision: { by: string; action: string; note?: string | undefined }
  ): Promise<{ written: true; decision: PlannedDecision; eligibility: Eligibility } | { written: false }> {
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      const planned = plan(await this.placeCounters(state.programmeId));
      const at = new Date().toISOString();
      const eligibility = eligibilityOf(planned, at, decision.by, decision.note);
      const result = await this.writeChange(state, caps, {
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
      });
      if (result === 'applied') return { written: true, decision: planned, eligibility };
      if (result === 'case-changed') return { written: false };
      await backOff(attempt);
    }
    throw new ContentionError(state.caseId);
  }

  /**
   * Takes a lifecycle action on a case (withdraw, decline, accept, ...), with what it does to the
   * programme's places in the same transaction: a withdrawn waitlisted case leaves the waitlist, a
   * case that gives its assistance place back frees it for the waitlist (the promotion consumer
   * then promotes the oldest waitlisted case), and a case that needs a place takes one if `caps`
   * allow. `expectedVersion`, when given, refuses the action if the case changed since it was read.
   */
  async takeAction(
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
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      const current = await this.getCase(caseId);
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
      const result = await this.writeChange(current, options.caps ?? unlimited, {
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
      });
      if (result === 'applied') return { outcome: 'done', from: current.status, to, version: current.version + 1 };
      if (result === 'counters-changed') return { outcome: 'no-place' };
      if (result === 'case-changed' && change.expectedVersion !== undefined) return { outcome: 'changed', current };
      await backOff(attempt);
    }
    throw new ContentionError(caseId);
  }

  /**
   * Fills every free assistance place from the waitlist, oldest first. Safe to run any number of
   * times and concurrently: each promotion is conditional on a place being free and the case still
   * waiting, so a place is never given twice and a redelivered trigger finds nothing to do.
   */
  async promoteWaitlisted(programmeId: string, caps: Caps): Promise<string[]> {
    const promoted: string[] = [];
    for (let failures = 0; failures < maxAttempts; ) {
      if (!promotionPossible(caps, await this.placeCounters(programmeId))) return promoted;
      const oldest = await this.oldestWaitlisted(programmeId);
      if (oldest === undefined) return promoted;
      const waiting = await this.getCase(oldest.caseId);
      if (waiting?.status !== 'waitlisted') {
        await this.removeStaleWaitlistEntry(programmeId, oldest.sk);
        continue;
      }
      const at = new Date().toISOString();
      const result = await this.writeChange(waiting, caps, {
        to: promotion.to,
        places: promotion.places,
        eligibility: eligibilityOf(promotion, at, systemActor),
        history: { at, by: systemActor, action: 'promoted', fromStatus: 'waitlisted', toStatus: promotion.to, reasons: [] },
      });
      if (result === 'applied') {
        promoted.push(waiting.caseId);
      } else {
        failures += 1;
        await backOff(failures);
      }
    }
    throw new ContentionError(programmeId);
  }

  /** The programme's waitlist, oldest first. */
  async waitlist(programmeId: string): Promise<Array<{ caseId: string; waitlistedAt: string }>> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :waitlist)',
      ExpressionAttributeValues: { ':pk': programmePk(programmeId), ':waitlist': 'WAITLIST#' },
      ConsistentRead: true,
    });
    return items.map((item) => ({ caseId: String(item.caseId), waitlistedAt: String(item.waitlistedAt) }));
  }

  /**
   * What programme figures are computed from, one entry per case of the programme: statuses,
   * countries, places and reasons, and the person's sex and age band. The date of birth is turned
   * into a band here and never leaves the repository.
   */
  async programmeFigureFacts(programmeId: string): Promise<CaseFigureFacts[]> {
    const caseIds = (
      await queryAll(this.client, {
        TableName: this.tableName,
        IndexName: programmeIndex,
        KeyConditionExpression: 'programmeId = :programmeId',
        ExpressionAttributeValues: { ':programmeId': programmeId },
        ProjectionExpression: 'caseId',
      })
    ).map((item) => String(item.caseId));

    const facts: CaseFigureFacts[] = [];
    for (let start = 0; start < caseIds.length; start += 100) {
      const items = await this.batchGetCases(caseIds.slice(start, start + 100));
      for (const item of items) {
        const stored = figureItemSchema.parse(item);
        facts.push({
          status: stored.status,
          hostCountry: stored.hostCountry,
          originCountry: stored.originCountry,
          sex: stored.person.sex,
          ageBand: ageBandOf(stored.person.dateOfBirth, stored.submittedOn),
          reasons: stored.eligibility?.reasons ?? [],
          assessmentPlace: stored.assessmentPlace ?? false,
          assistancePlace: stored.assistancePlace ?? false,
        });
      }
    }
    return facts;
  }

  private async batchGetCases(caseIds: string[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let keys: Record<string, unknown>[] = caseIds.map((caseId) => ({ pk: casePk(caseId), sk: 'CASE' }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt >= maxAttempts) throw new Error('programme figures: the table kept returning unprocessed keys');
      if (attempt > 0) await backOff(attempt);
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ProjectionExpression:
                '#status, hostCountry, originCountry, submittedOn, eligibility, assessmentPlace, assistancePlace, person.sex, person.dateOfBirth',
              ExpressionAttributeNames: { '#status': 'status' },
            },
          },
        })
      );
      items.push(...(Responses?.[this.tableName] ?? []));
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return items;
  }

  private async oldestWaitlisted(programmeId: string): Promise<{ caseId: string; sk: string } | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :waitlist)',
        ExpressionAttributeValues: { ':pk': programmePk(programmeId), ':waitlist': 'WAITLIST#' },
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

  /**
   * One change of a case with its effect on places, in one transaction: the case (conditional on
   * the status and version it was read with), its history entry, the programme's counters
   * (conditional on the caps and the waitlist) and the waitlist entry.
   */
  private async writeChange(
    state: CaseState,
    caps: Caps,
    change: {
      to: CaseStatus;
      places: PlaceChange;
      eligibility?: Eligibility;
      /** Other attributes of the case item the change sets (consent, receiver, travel, ...). */
      changes?: Record<string, unknown>;
      history: HistoryEntry;
      note?: CaseNote | undefined;
      /** Other items of the case's partition written with the change (plan versions, visits). */
      records?: CaseChange['records'];
    }
  ): Promise<'applied' | 'case-changed' | 'counters-changed' | 'conflict'> {
    const { places } = change;
    const nextVersion = state.version + 1;
    const pk = casePk(state.caseId);
    const caseValues: Record<string, unknown> = {
      ':to': change.to,
      ':from': state.status,
      ':version': state.version,
      ':next': nextVersion,
      ':at': change.history.at,
      ':assessmentPlace': (state.assessmentPlace ?? false) || places.takeAssessment,
      ':assistancePlace': holdsAssistancePlaceAfter(state.assistancePlace ?? false, places),
    };
    const assignments = [
      '#status = :to',
      'version = :next',
      'updatedAt = :at',
      'assessmentPlace = :assessmentPlace',
      'assistancePlace = :assistancePlace',
    ];
    if (change.eligibility !== undefined) {
      caseValues[':eligibility'] = change.eligibility;
      assignments.push('eligibility = :eligibility');
    }
    const names: Record<string, string> = { '#status': 'status' };
    Object.entries(change.changes ?? {}).forEach(([name, value], index) => {
      names[`#c${index}`] = name;
      caseValues[`:c${index}`] = value;
      assignments.push(`#c${index} = :c${index}`);
    });
    const history = { ...change.history, ...(change.note === undefined ? {} : { noteId: change.note.id }) };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk, sk: 'CASE' },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: '#status = :from AND version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: caseValues,
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { pk, sk: historySk(history, nextVersion), ...history },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(change.note === undefined
        ? []
        : [{ Put: { TableName: this.tableName, Item: { pk, sk: `NOTE#${change.note.id}`, ...change.note } } }]),
      ...(change.records ?? []).map((record) => ({ Put: { TableName: this.tableName, Item: { ...record, pk } } })),
    ];
    const counters = countersUpdate(places, caps);
    if (counters !== undefined) {
      items.push({ Update: { TableName: this.tableName, Key: countersKey(state.programmeId), ...counters } });
    }
    const waitlistKey = { pk: programmePk(state.programmeId), sk: waitlistSk(state.createdAt, state.caseId) };
    if (places.joinWaitlist) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...waitlistKey, caseId: state.caseId, waitlistedAt: change.history.at },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (places.leaveWaitlist) {
      items.push({ Delete: { TableName: this.tableName, Key: waitlistKey, ConditionExpression: 'attribute_exists(pk)' } });
    }

    try {
      // A fresh token per attempt: the SDK's own retries of this request are then idempotent.
      await this.client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      return 'applied';
    } catch (error) {
      if (isNamed(error, 'TransactionConflictException')) return 'conflict';
      if (!isNamed(error, 'TransactionCanceledException')) throw error;
      const codes = ((error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []).map((reason) => reason.Code);
      if (codes[0] === 'ConditionalCheckFailed') return 'case-changed';
      if (codes.includes('ConditionalCheckFailed')) return 'counters-changed';
      if (codes.includes('TransactionConflict')) return 'conflict';
      throw error;
    }
  }
}

/** What a change needs to know about the case it changes. */
export type CaseState = Pick<
  CaseItem,
  'caseId' | 'programmeId' | 'createdAt' | 'status' | 'version' | 'assessmentPlace' | 'assistancePlace'
>;

export type TransitionResult =
  | { outcome: 'done'; from: CaseStatus; to: CaseStatus; version: number }
  | { outcome: 'not-found' }
  | { outcome: 'refused'; check: Extract<TransitionCheck, { allowed: false }> }
  | { outcome: 'changed'; current: CaseItem }
  | { outcome: 'no-place' };

/** The actor id of the platform's own decisions (eligibility engine, waitlist promotion). */
export const systemActor = 'system';

/** The index of a programme's cases (keys only are needed from it). */
export const programmeIndex = 'byProgramme';

/** The programme's counters could not be updated after every retry; the caller's retry starts over. */
export class ContentionError extends Error {
  override name = 'ContentionError';
  constructor(id: string) {
    super(`${id}: gave up after ${maxAttempts} attempts on contended programme counters`);
  }
}

const maxAttempts = 12;

/** Full jitter, capped, so that concurrent deciders spread out instead of colliding again. */
const backOff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1_000, 20 * 2 ** attempt)));

const isNamed = (error: unknown, name: string): boolean => error instanceof Error && error.name === name;

const unlimited: Caps = { assessment: null, assistance: null };

const eligibilityOf = (planned: PlannedDecision, at: string, by: string, note?: string): Eligibility => ({
  outcome: planned.to as Eligibility['outcome'],
  reasons: planned.reasons,
  decidedAt: at,
  decidedBy: by,
  note,
});

/**
 * The counters' share of a change: increments, and the conditions that restate what the plan
 * assumed. Taking a place needs one under the cap and (except for the promoted case itself)
 * nobody waiting; joining the waitlist needs the places to be full or others to be waiting, so a
 * case never waits while a place is free.
 */
const countersUpdate = (places: PlaceChange, caps: Caps) => {
  const deltas = counterDeltas(places);
  const increments = (Object.entries(deltas) as Array<[keyof PlaceCounters, number]>).filter(([, delta]) => delta !== 0);
  if (increments.length === 0) return undefined;
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  for (const [name, delta] of increments) values[`:${name}Delta`] = delta;
  if (places.takeAssessment && caps.assessment !== null) {
    conditions.push('(attribute_not_exists(assessed) OR assessed < :assessmentCap)');
    values[':assessmentCap'] = caps.assessment;
  }
  if (places.takeAssistance && caps.assistance !== null) {
    conditions.push('(attribute_not_exists(assisted) OR assisted < :assistanceCap)');
    values[':assistanceCap'] = caps.assistance;
  }
  if (places.takeAssistance && !places.leaveWaitlist) {
    conditions.push('(attribute_not_exists(waitlisted) OR waitlisted = :zero)');
    values[':zero'] = 0;
  }
  if (places.joinWaitlist) {
    values[':zero'] = 0;
    if (caps.assistance === null) {
      conditions.push('waitlisted > :zero');
    } else {
      conditions.push('(assisted >= :assistanceCap OR waitlisted > :zero)');
      values[':assistanceCap'] = caps.assistance;
    }
  }
  return {
    UpdateExpression: `ADD ${increments.map(([name]) => `${name} :${name}Delta`).join(', ')}`,
    ConditionExpression: conditions.length > 0 ? conditions.join(' AND ') : undefined,
    ExpressionAttributeValues: values,
  };
};

/** Only what figures need is read, and parsed. */
const figureItemSchema = z.extend(
  z.pick(caseItemSchema, {
    status: true,
    hostCountry: true,
    originCountry: true,
    submittedOn: true,
    eligibility: true,
    assessmentPlace: true,
    assistancePlace: true,
  }),
  { person: z.pick(caseItemSchema.shape.person, { sex: true, dateOfBirth: true }) }
);

/** A case with everything kept beside it, read in one query. */
export interface StoredCase {
  case: CaseItem;
  history: HistoryEntry[];
  notes: CaseNote[];
  plans: PlanVersion[];
  visits: MonitoringVisit[];
}

const casePk = (caseId: string): string => `CASE#${caseId}`;

/** Free text goes to a note item beside the history, which must never hold personal data. */
const noteOf = (text: string | undefined, by: string, action: string, at = new Date().toISOString()): CaseNote | undefined =>
  text === undefined ? undefined : { id: `${at}#${by}`, at, by, action, text };
const programmePk = (programmeId: string): string => `PROGRAMME#${programmeId}`;
const countersKey = (programmeId: string) => ({ pk: programmePk(programmeId), sk: 'COUNTERS' });
/** Oldest referral first: the waitlist is in the order referrals were submitted. */
const waitlistSk = (createdAt: string, caseId: string): string => `WAITLIST#${createdAt}#${caseId}`;

const itemsWithPrefix = (items: Record<string, unknown>[], prefix: string) =>
  items.filter((item) => typeof item.sk === 'string' && item.sk.startsWith(prefix));

/** What the list indexes project: never the person block. */
const caseListRowSchema = z.pick(caseItemSchema, {
  caseId: true,
  reference: true,
  programmeId: true,
  hostCountry: true,
  originCountry: true,
  status: true,
  createdAt: true,
  updatedAt: true,
});
export type CaseListRow = z.infer<typeof caseListRowSchema>;

/** Sorted by time; the case version keeps two changes in the same millisecond apart. */
const historySk = (entry: HistoryEntry, version: number): string => `HISTORY#${entry.at}#${String(version).padStart(6, '0')}`;
