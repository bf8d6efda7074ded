import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isNamed } from './case-change.ts';

/** The stage secret the keyed hash of a person is made with (stage-secret.ts). */
export const duplicateKeySecret = 'duplicate-key';

/**
 * Who was referred before: one item per person, under a keyed hash of their name, date of birth and
 * nationality, holding only the first case referred for them. The person's data never reaches the
 * item, only its hash, made when the case is created (case-repository.ts) and kept on the case item
 * as `personKey`, so the check runs without the personal-data key.
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
  async registerPerson(caseItem: { caseId: string; personKey: string }): Promise<{ firstCaseId: string }> {
    const key = { pk: `DUPLICATE#${caseItem.personKey}`, sk: 'DUPLICATE' };
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
