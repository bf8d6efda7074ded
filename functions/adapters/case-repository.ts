import {
  type DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type CaseItem, caseItemSchema, type HistoryEntry, historyEntrySchema } from '#events/case';
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

  /** The case and its history in one query, or undefined when there is no such case. */
  async get(caseId: string): Promise<{ case: CaseItem; history: HistoryEntry[] } | undefined> {
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
      history: items
        .filter((item) => typeof item.sk === 'string' && item.sk.startsWith('HISTORY#'))
        .map((item) => historyEntrySchema.parse(item)),
    };
  }
}

const casePk = (caseId: string): string => `CASE#${caseId}`;

/** Sorted by time; the case version keeps two changes in the same millisecond apart. */
const historySk = (entry: HistoryEntry, version: number): string =>
  `HISTORY#${entry.at}#${String(version).padStart(6, '0')}`;
