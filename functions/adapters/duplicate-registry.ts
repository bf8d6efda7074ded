import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { duplicateKey } from '#domain/duplicate-key';
import type { CaseItem } from '#events/case';
import { isNamed } from './case-change.ts';

/**
 * Who was referred before: one item per person, under a keyed hash of their name, date of birth and
 * nationality, holding only the first case referred for them. The person's data never reaches the
 * item, only its hash.
 */
export class DuplicateRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /**
   * Registers the person behind a case and returns the first case registered for them: this case,
   * unless an earlier referral seems to concern the same person.
   */
  async registerPerson(caseItem: CaseItem, secret: Uint8Array): Promise<{ firstCaseId: string }> {
    // A case erased before its assessment ran has no person left to compare: it is its own first.
    if (caseItem.person === undefined) return { firstCaseId: caseItem.caseId };
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
}
