import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { ReminderCase } from '#domain/reminders';
import { type CaseStatus, caseItemSchema } from '#events/case';
import { type MonitoringVisit, monitoringVisitSchema } from '#events/lifecycle';
import { casePk, caseSk } from './case-items.ts';
import { queryAll, queryPrefixes } from './dynamodb-queries.ts';

/**
 * What the reminders job reads and writes in the cases table: the deadlines of a case (never the
 * person block: every read names the attributes it needs) and the `REMINDER#<item>` markers that
 * make each reminder go out once.
 */
export class ReminderRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** Ids of every case in a status, from the `byStatus` index. */
  async caseIdsInStatus(status: CaseStatus): Promise<string[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: 'byStatus',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status },
      ProjectionExpression: 'caseId',
    });
    return items.map((item) => z.string().parse(item.caseId));
  }

  /** The case's deadlines, its visits and the items already reminded of; never the person block. */
  async deadlinesOf(caseId: string): Promise<{ case: ReminderCase; visits: MonitoringVisit[]; reminded: Set<string> } | undefined> {
    const items = await queryPrefixes(this.client, {
      tableName: this.tableName,
      pk: casePk(caseId),
      prefixes: [caseSk, 'VISIT#', 'REMINDER#'],
      projection: projectedAttributes,
    });
    const caseItem = items.find((item) => item.sk === caseSk);
    if (caseItem === undefined) return undefined;
    const skOf = (item: Record<string, unknown>) => String(item.sk);
    return {
      case: reminderCaseSchema.parse(caseItem),
      visits: items.filter((item) => skOf(item).startsWith('VISIT#')).map((item) => monitoringVisitSchema.parse({ ...item, caseId })),
      reminded: new Set(
        items
          .filter((item) => skOf(item).startsWith('REMINDER#') && item.state === 'sent')
          .map((item) => skOf(item).slice('REMINDER#'.length))
      ),
    };
  }

  /**
   * Claims the reminder of one item: only one run gets it. A claim left by a run that died before
   * sending can be taken over once it is older than `staleAfterMs`.
   */
  async claim(caseId: string, item: string, now: Date, staleAfterMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: casePk(caseId), sk: reminderSk(item), state: 'sending', claimedAt: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :sending AND claimedAt < :stale)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':sending': 'sending', ':stale': new Date(now.getTime() - staleAfterMs).toISOString() },
        })
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markSent(caseId: string, item: string, now: Date): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: casePk(caseId), sk: reminderSk(item) },
        UpdateExpression: 'SET #state = :sent, sentAt = :at',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':at': now.toISOString() },
      })
    );
  }

  /** Gives a claim back after a failed send, so the next run tries again. */
  async release(caseId: string, item: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: casePk(caseId), sk: reminderSk(item) },
        ConditionExpression: '#state = :sending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      })
    );
  }
}

const reminderSk = (item: string): string => `REMINDER#${item}`;

/** What the job reads of a case's items: deadlines, visits and reminder markers, never the person block. */
const projectedAttributes = [
  'pk',
  'sk',
  'caseId',
  'reference',
  'programmeId',
  'status',
  'receiverId',
  'planDueOn',
  'approvedPlanVersion',
  'number',
  'dueOn',
  'visitedOn',
  'state',
];

const reminderCaseSchema = z.pick(caseItemSchema, {
  caseId: true,
  reference: true,
  programmeId: true,
  status: true,
  receiverId: true,
  planDueOn: true,
  approvedPlanVersion: true,
});
