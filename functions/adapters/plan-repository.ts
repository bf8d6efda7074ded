import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type PlanVersion, planItemId, planVersionSchema } from '#events/plan';
import { casePk } from './case-items.ts';

/**
 * Reads reintegration plan versions (`CASE#<id>` / `PLAN#<version>`, events/plan.ts). Payments only
 * read the approved version; drafting and approving plans is the lifecycle's work.
 */
export class PlanRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  async getVersion(caseId: string, version: number): Promise<PlanVersion | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: casePk(caseId), sk: planItemId(version) }, ConsistentRead: true })
    );
    return Item === undefined ? undefined : planVersionSchema.parse(Item);
  }
}
