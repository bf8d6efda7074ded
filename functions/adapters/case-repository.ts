import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type CaseItem,
  caseItemSchema,
  type CaseNote,
  caseNoteSchema,
  type CaseStatus,
  type HistoryEntry,
  historyEntrySchema,
} from '#events/case';
import * as z from 'zod/mini';
import { formatReference, type NewCase } from '#domain/referral-case';

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
   * Applies a change to a case if nobody changed it since it was read (its version), together with
   * the history entry and the note that explain it. Returns `conflict` when the case moved on, so the
   * caller can read it again and decide afresh.
   */
  async transition(
    stored: Pick<CaseItem, 'caseId' | 'version'>,
    change: { changes: Partial<Omit<CaseItem, 'pk' | 'sk' | 'caseId' | 'version' | 'person'>>; history: HistoryEntry; note?: CaseNote | undefined }
  ): Promise<'applied' | 'conflict'> {
    const pk = casePk(stored.caseId);
    const version = stored.version + 1;
    const fields = Object.entries({ ...change.changes, updatedAt: change.history.at, version });
    const names = Object.fromEntries(fields.map(([name], index) => [`#f${index}`, name]));
    const values = Object.fromEntries(fields.map(([, value], index) => [`:f${index}`, value]));
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: { pk, sk: 'CASE' },
                UpdateExpression: `SET ${fields.map((_, index) => `#f${index} = :f${index}`).join(', ')}`,
                ConditionExpression: '#version = :expectedVersion',
                ExpressionAttributeNames: { ...names, '#version': 'version' },
                ExpressionAttributeValues: { ...values, ':expectedVersion': stored.version },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: historySk(change.history, version), ...change.history },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(change.note === undefined
              ? []
              : [{ Put: { TableName: this.tableName, Item: { pk, sk: `NOTE#${change.note.id}`, ...change.note } } }]),
          ],
        })
      );
      return 'applied';
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        return 'conflict';
      }
      throw error;
    }
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

  /** The case item alone, read consistently (its partition also holds payments, ledger entries, plans). */
  async getCase(caseId: string): Promise<CaseItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: casePk(caseId), sk: 'CASE' }, ConsistentRead: true })
    );
    return Item === undefined ? undefined : caseItemSchema.parse(Item);
  }

  /** The case and its history in one query, or undefined when there is no such case. */
  async get(caseId: string): Promise<{ case: CaseItem; history: HistoryEntry[]; notes: CaseNote[] } | undefined> {
    const items: Record<string, unknown>[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': casePk(caseId) },
          ExclusiveStartKey: exclusiveStartKey,
        })
      );
      items.push(...(page.Items ?? []));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);

    const caseItem = items.find((item) => item.sk === 'CASE');
    if (caseItem === undefined) return undefined;
    return {
      case: caseItemSchema.parse(caseItem),
      history: itemsWithPrefix(items, 'HISTORY#').map((item) => historyEntrySchema.parse(item)),
      notes: itemsWithPrefix(items, 'NOTE#').map((item) => caseNoteSchema.parse(item)),
    };
  }
}

const casePk = (caseId: string): string => `CASE#${caseId}`;

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
const historySk = (entry: HistoryEntry, version: number): string =>
  `HISTORY#${entry.at}#${String(version).padStart(6, '0')}`;
