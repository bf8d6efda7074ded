import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type PartnerItem, partnerItemSchema } from '#events/partner';
import type { Role } from '#events/primitives';
import { scanAll } from './dynamodb-queries.ts';

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
    const items = await scanAll(this.client, {
      TableName: this.tableName,
      ProjectionExpression: 'partnerId',
      FilterExpression: 'contains(#roles, :role) AND #status = :active',
      ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
      ExpressionAttributeValues: { ':role': role, ':active': 'active' },
    });
    return items.map((item) => String(item.partnerId)).sort();
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
    const items = await scanAll(this.client, {
      TableName: this.tableName,
      FilterExpression: 'country = :country AND contains(#roles, :receiver) AND #status = :active',
      ExpressionAttributeNames: { '#roles': 'roles', '#status': 'status' },
      ExpressionAttributeValues: { ':country': country, ':receiver': 'receiver', ':active': 'active' },
    });
    return items.map((item) => partnerItemSchema.parse(item));
  }

  /** Every partner; the table holds tens of organisations, so a scan is the simple, right tool. */
  async list(): Promise<PartnerItem[]> {
    return (await scanAll(this.client, { TableName: this.tableName })).map((item) => partnerItemSchema.parse(item));
  }
}
