import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type PartnerItem, partnerItemSchema } from '#events/partner';
import type { Role } from '#events/primitives';

export class PartnerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /** The active partner holding the key with this hash, if any. */
  async findActiveByKeyHash(keyHash: string): Promise<PartnerItem | undefined> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byKeyHash',
        KeyConditionExpression: 'keyHash = :keyHash',
        ExpressionAttributeValues: { ':keyHash': keyHash },
        Limit: 2,
      })
    );
    const partners = Items.map((item) => partnerItemSchema.parse(item));
    return partners.find((partner) => partner.status === 'active');
  }

  async get(partnerId: string): Promise<PartnerItem | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { partnerId } }));
    return Item === undefined ? undefined : partnerItemSchema.parse(Item);
  }

  /**
   * Ids of the active partners holding a role. A scan: the partners table holds tens of
   * organisations, and a role list cannot key an index.
   */
  async activeIdsWithRole(role: Role): Promise<string[]> {
    const ids: string[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'partnerId',
          FilterExpression: 'contains(#roles, :role) AND #status = :active',
          ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
          ExpressionAttributeValues: { ':role': role, ':active': 'active' },
          ExclusiveStartKey: exclusiveStartKey,
        })
      );
      ids.push(...(page.Items ?? []).map((item) => String(item.partnerId)));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return ids.sort();
  }

  /** Creates or replaces a partner record (onboarding, key rotation, disabling). */
  async save(partner: PartnerItem): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: partnerItemSchema.parse(partner) }));
  }

  /**
   * Active receiving partners in a country, the candidates for an offer. A scan, like `list`: the
   * table holds tens of organisations.
   */
  async activeReceiversIn(country: string): Promise<PartnerItem[]> {
    const partners: PartnerItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'country = :country AND contains(#roles, :receiver) AND #status = :active',
          ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
          ExpressionAttributeValues: { ':country': country, ':receiver': 'receiver', ':active': 'active' },
          ExclusiveStartKey: exclusiveStartKey,
        })
      );
      partners.push(...(page.Items ?? []).map((item) => partnerItemSchema.parse(item)));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return partners;
  }

  /** Every partner; the table holds tens of organisations, so a scan is the simple, right tool. */
  async list(): Promise<PartnerItem[]> {
    const partners: PartnerItem[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: exclusiveStartKey }));
      partners.push(...(page.Items ?? []).map((item) => partnerItemSchema.parse(item)));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return partners;
  }
}
