import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { CaseChange } from '#domain/case-decision';
import { type Caps, counterDeltas, holdsAssistancePlaceAfter, type PlaceChange, type PlaceCounters } from '#domain/places';
import type { CaseItem, CaseNote, CaseStatus, Eligibility, HistoryEntry } from '#events/case';
import { casePk, caseSk, countersKey, historySk, noteSk, programmePk, waitlistSk } from './case-items.ts';
import { sealEligibility, sealNote } from './case-sealing.ts';
import type { PersonalDataAccess } from './personal-fields.ts';

/**
 * One change of a case with its effect on places, in one transaction: the case (conditional on
 * the status and version it was read with), its history entry, the programme's counters
 * (conditional on the caps and the waitlist) and the waitlist entry. Both the case repository and
 * the place repository change cases through it, so a status change can never forget its places.
 */

/** What a change needs to know about the case it changes. */
export type CaseState = Pick<
  CaseItem,
  'caseId' | 'programmeId' | 'createdAt' | 'status' | 'version' | 'assessmentPlace' | 'assistancePlace'
>;

export interface PlacedChange {
  to: CaseStatus;
  places: PlaceChange;
  eligibility?: Eligibility;
  /** Other attributes of the case item the change sets (consent, receiver, travel, ...). */
  changes?: Record<string, unknown>;
  history: HistoryEntry;
  note?: CaseNote | undefined;
  /** Other items of the case's partition written with the change (plan versions, visits). */
  records?: CaseChange['records'];
  /** Attribute paths of the case item the change removes (erasure: functions/adapters/case-erasure.ts). */
  remove?: { expression: string; names: Record<string, string> } | undefined;
  /** Further writes in the same transaction (erasure: the notes and payments it strips); a failed condition among them is `counters-changed`. */
  alongside?: TransactItems;
}

type TransactItems = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>;

export type ChangeResult = 'applied' | 'case-changed' | 'counters-changed' | 'conflict';

/** How many times a contended change is planned again before giving up. */
export const contentionAttempts = 12;

/** The programme's counters could not be updated after every retry; the caller's retry starts over. */
export class ContentionError extends Error {
  override name = 'ContentionError';
  constructor(id: string) {
    super(`${id}: gave up after ${contentionAttempts} attempts on contended programme counters`);
  }
}

export const unlimited: Caps = { assessment: null, assistance: null };

export const isNamed = (error: unknown, name: string): boolean => error instanceof Error && error.name === name;

/** Free text goes to a note item beside the history, which must never hold personal data. */
export const noteOf = (text: string | undefined, by: string, action: string, at = new Date().toISOString()): CaseNote | undefined =>
  text === undefined ? undefined : { id: `${at}#${by}`, at, by, action, text };

export async function writeCaseChange(
  client: DynamoDBDocumentClient,
  tableName: string,
  state: CaseState,
  caps: Caps,
  change: PlacedChange,
  personalData: PersonalDataAccess = {}
): Promise<ChangeResult> {
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
    caseValues[':eligibility'] = await sealEligibility(state.caseId, change.eligibility, personalData);
    assignments.push('eligibility = :eligibility');
  }
  const names: Record<string, string> = { '#status': 'status' };
  Object.entries(change.changes ?? {}).forEach(([name, value], index) => {
    names[`#c${index}`] = name;
    caseValues[`:c${index}`] = value;
    assignments.push(`#c${index} = :c${index}`);
  });
  const history = { ...change.history, ...(change.note === undefined ? {} : { noteId: change.note.id }) };
  const removal = change.remove === undefined ? '' : ` ${change.remove.expression}`;
  const note = change.note === undefined ? undefined : await sealNote(state.caseId, change.note, personalData);
  const items: TransactItems = [
    {
      Update: {
        TableName: tableName,
        Key: { pk, sk: caseSk },
        UpdateExpression: `SET ${assignments.join(', ')}${removal}`,
        ConditionExpression: '#status = :from AND version = :version',
        ExpressionAttributeNames: { ...names, ...change.remove?.names },
        ExpressionAttributeValues: caseValues,
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { pk, sk: historySk(history, nextVersion), ...history },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...(note === undefined ? [] : [{ Put: { TableName: tableName, Item: { pk, sk: noteSk(note.id), ...note } } }]),
    ...(change.records ?? []).map(({ itemId, ...record }) => ({ Put: { TableName: tableName, Item: { ...record, pk, sk: itemId } } })),
    ...(change.alongside ?? []),
  ];
  const counters = countersUpdate(places, caps);
  if (counters !== undefined) {
    items.push({ Update: { TableName: tableName, Key: countersKey(state.programmeId), ...counters } });
  }
  const waitlistKey = { pk: programmePk(state.programmeId), sk: waitlistSk(state.createdAt, state.caseId) };
  if (places.joinWaitlist) {
    items.push({
      Put: {
        TableName: tableName,
        Item: { ...waitlistKey, caseId: state.caseId, waitlistedAt: change.history.at },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  if (places.leaveWaitlist) {
    items.push({ Delete: { TableName: tableName, Key: waitlistKey, ConditionExpression: 'attribute_exists(pk)' } });
  }

  try {
    // A fresh token per attempt: the SDK's own retries of this request are then idempotent.
    await client.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
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

/**
 * The counters' share of a change: increments, and the conditions that restate what the plan
 * assumed. Taking a place needs one under the cap and (except for the promoted case itself)
 * nobody waiting; joining the waitlist needs the places to be full or others to be waiting, so a
 * case never waits while a place is free.
 */
function countersUpdate(places: PlaceChange, caps: Caps) {
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
}
