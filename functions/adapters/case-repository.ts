import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { CaseChange } from '#domain/case-decision';
import { placeChangeOf } from '#domain/case-lifecycle';
import type { CaseListing } from '#domain/case-listing';
import { duplicateKey } from '#domain/duplicate-key';
import { formatReference, type NewCase } from '#domain/referral-case';
import { type CaseItem, type CaseNote, type CaseStatus, caseStatus, type HistoryEntry, historyEntrySchema } from '#events/case';
import { type MonitoringVisit, monitoringVisitSchema } from '#events/lifecycle';
import { type PlanVersion, planVersionSchema } from '#events/plan';
import { ContentionError, isNamed, unlimited, writeCaseChange } from './case-change.ts';
import {
  allCasesPartition,
  type CaseListRow,
  caseKey,
  caseListRowSchema,
  casePk,
  caseSk,
  historySk,
  itemsWithPrefix,
  listIndexOf,
  referenceCounterKey,
} from './case-items.ts';
import { openCase, openNotes, sealNewCase } from './case-sealing.ts';
import { type CursorBinding, PageCursors } from './cursor.ts';
import { duplicateKeySecret } from './duplicate-registry.ts';
import { queryPrefixes } from './dynamodb-queries.ts';
import type { PersonalDataAccess } from './personal-fields.ts';
import { StageSecrets } from './stage-secret.ts';

/**
 * The cases themselves: creating, reading, listing and changing them. The only code that reads or
 * writes a case item, and so the only code that touches `person`: its personal fields are sealed
 * here before a write and opened after a read (case-sealing.ts) when the repository is given a
 * cipher, which only the functions granted the personal-data key have; without one, a case reads
 * with its person withheld and its notes left out. Changes that take a place go through the place
 * repository (place-repository.ts); both write through case-change.ts.
 */
/** What a referral's answer shows of a case (`referralSummary`), read from its item without opening anything. */
const caseSummaryFieldsSchema = z.object({
  caseId: z.string(),
  reference: z.string(),
  status: caseStatus,
  programmeId: z.string(),
  hostCountry: z.string(),
  originCountry: z.string(),
  createdAt: z.string(),
});
export type CaseSummaryFields = z.infer<typeof caseSummaryFieldsSchema>;

export class CaseRepository {
  private readonly secrets: StageSecrets;
  private readonly cursors: PageCursors;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly personalData: PersonalDataAccess = {}
  ) {
    // The stage secrets are read only when a list is paged or a case created, so other users of the repository never touch them.
    this.secrets = new StageSecrets(client, tableName);
    this.cursors = new PageCursors(this.secrets);
  }

  /**
   * Next human-readable reference for a programme and host country. A reference whose case write
   * then fails is never reused: references may have gaps, never duplicates.
   */
  async allocateReference(programmeId: string, hostCountry: string): Promise<string> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: referenceCounterKey(programmeId, hostCountry),
        UpdateExpression: 'ADD #sequence :one',
        ExpressionAttributeNames: { '#sequence': 'sequence' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      })
    );
    return formatReference(programmeId, hostCountry, Number(Attributes?.sequence));
  }

  /**
   * Writes a new case and its first history entry together, or neither. The keyed hash the
   * duplicate check compares is made here, while the person is in clear, so the eligibility engine
   * never needs the key (functions/assess-eligibility.ts).
   */
  async create(newCase: NewCase, history: HistoryEntry): Promise<{ created: true } | { created: false; stored: CaseSummaryFields }> {
    const pk = casePk(newCase.caseId);
    if (newCase.person === undefined) throw new Error('a new case comes with its person');
    const personKey = duplicateKey(newCase.person, await this.secrets.get(duplicateKeySecret));
    const sealed = await sealNewCase(newCase, { personKey }, this.personalData);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: caseSk, [allCasesPartition.name]: allCasesPartition.value, ...sealed },
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
    } catch (error) {
      // The case id is derived from the request (create-referral.ts): a case already there is this
      // request's, written by an attempt whose answer was lost. It is answered, not made twice.
      if (!isNamed(error, 'TransactionCanceledException')) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: caseKey(newCase.caseId), ConsistentRead: true })
      );
      if (Item === undefined) throw error;
      return { created: false, stored: caseSummaryFieldsSchema.parse(Item) };
    }
    return { created: true };
  }

  /**
   * Applies a change a route decided on a case it read, if nobody changed the case since (status and
   * version), with the history entry and note that explain it. A status change gives back or leaves
   * the programme's places in the same transaction (a withdrawn or declined case frees its
   * assistance place for the waitlist), so no route can forget to. Changes that take a place go
   * through the place repository's `decide` or `takeAction` with the programme's caps instead.
   * Returns `conflict` when the case moved on, so the caller can read it again and decide afresh.
   */
  async transition(stored: CaseItem, change: CaseChange): Promise<'applied' | 'conflict'> {
    const { status: to = stored.status, ...changes } = change.changes;
    const places = placeChangeOf(stored.status, to === stored.status ? undefined : to, stored.assistancePlace ?? false);
    if (places.takeAssistance || places.joinWaitlist) {
      throw new Error(`moving a case from ${stored.status} to ${to} takes a place: use decide or takeAction with the caps`);
    }
    const result = await writeCaseChange(
      this.client,
      this.tableName,
      stored,
      unlimited,
      { to, places, changes, history: change.history, note: change.note, records: change.records },
      this.personalData
    );
    if (result === 'applied') return 'applied';
    if (result === 'counters-changed') throw new ContentionError(stored.caseId);
    return 'conflict';
  }

  /**
   * One page of cases, newest first. The cursor is opaque to the caller: the page's last key, sealed
   * for this listing, this caller and these filters (cursor.ts), so a client can only page through
   * what it was allowed to list (anything else is an `InvalidCursorError`).
   */
  async list(query: {
    listing: CaseListing;
    status?: CaseStatus | undefined;
    limit: number;
    cursor?: string | undefined;
    boundTo: Pick<CursorBinding, 'caller' | 'filters'>;
  }): Promise<{ items: CaseListRow[]; nextCursor?: string }> {
    const { index, partition, keyNames } = listIndexOf(query.listing);
    const binding = { ...query.boundTo, list: `referrals as ${query.listing.of}` };
    const startKey =
      query.cursor === undefined
        ? undefined
        : await this.cursors.open(query.cursor, binding, {
            keyNames,
            partition,
            fits: (key) => key.pk.startsWith(casePk('')) && key.sk === caseSk,
          });
    const filterOnStatus = query.status !== undefined && query.listing.of !== 'status';
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: '#partition = :partition',
        FilterExpression: filterOnStatus ? '#status = :status' : undefined,
        ExpressionAttributeNames: { '#partition': partition.name, ...(filterOnStatus ? { '#status': 'status' } : {}) },
        ExpressionAttributeValues: {
          ':partition': partition.value,
          ...(filterOnStatus ? { ':status': query.status } : {}),
        },
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: startKey,
      })
    );
    return {
      items: (page.Items ?? []).map((item) => caseListRowSchema.parse(item)),
      ...(page.LastEvaluatedKey === undefined ? {} : { nextCursor: await this.cursors.seal(page.LastEvaluatedKey, binding) }),
    };
  }

  /**
   * The case with its history, notes, plans and visits (not its payments or ledger), or undefined
   * when there is no such case. Opening the personal fields costs a KMS Decrypt each: a function
   * holding the key should read a case only where it shows or compares them.
   */
  async get(caseId: string): Promise<StoredCase | undefined> {
    const items = await queryPrefixes(this.client, {
      tableName: this.tableName,
      pk: casePk(caseId),
      prefixes: [caseSk, 'HISTORY#', 'NOTE#', 'PLAN#', 'VISIT#'],
    });
    const caseItem = items.find((item) => item.sk === caseSk);
    if (caseItem === undefined) return undefined;
    return {
      case: await openCase(caseItem, this.personalData.open),
      history: itemsWithPrefix(items, 'HISTORY#').map((item) => historyEntrySchema.parse(item)),
      notes: await openNotes(caseId, itemsWithPrefix(items, 'NOTE#'), this.personalData.open),
      plans: itemsWithPrefix(items, 'PLAN#').map((item) => planVersionSchema.parse(item)),
      visits: itemsWithPrefix(items, 'VISIT#').map((item) => monitoringVisitSchema.parse(item)),
    };
  }

  /** The case item read with strong consistency, or undefined. */
  async getCase(caseId: string): Promise<CaseItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: caseKey(caseId), ConsistentRead: true }));
    return Item === undefined ? undefined : openCase(Item, this.personalData.open);
  }
}

/** A case with everything kept beside it, read in one query. */
export interface StoredCase {
  case: CaseItem;
  history: HistoryEntry[];
  notes: CaseNote[];
  plans: PlanVersion[];
  visits: MonitoringVisit[];
}
