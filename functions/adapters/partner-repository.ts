import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { lostRace, optimistically } from '#commons/optimistic';
import { type PartnerChange, type PartnerItem, partnerItemSchema } from '#events/partner';
import type { Role } from '#events/primitives';
import { scanAll } from './dynamodb-queries.ts';

/** How many of its latest changes a partner record keeps: enough to see who did what lately, bounded. */
const keptChanges = 20;

const withoutUndefined = <T extends object>(item: T): T =>
  Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as T;

export class PartnerRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /**
   * The active partner holding the key with this hash: its current key, or its previous key while
   * the overlap of the last rotation lasts. A disabled partner is found by neither.
   */
  async findActiveByKeyHash(keyHash: string, now = new Date()): Promise<{ partner: PartnerItem; key: 'current' | 'previous' } | undefined> {
    const current = (await this.byIndex('byKeyHash', 'keyHash', keyHash)).find((partner) => partner.status === 'active');
    if (current !== undefined) return { partner: current, key: 'current' };
    const previous = (await this.byIndex('byPreviousKeyHash', 'previousKeyHash', keyHash)).find(
      (partner) =>
        partner.status === 'active' &&
        partner.previousKeyValidUntil !== undefined &&
        Date.parse(partner.previousKeyValidUntil) > now.getTime()
    );
    return previous === undefined ? undefined : { partner: previous, key: 'previous' };
  }

  private async byIndex(indexName: string, attribute: string, keyHash: string): Promise<PartnerItem[]> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#hash = :keyHash',
        ExpressionAttributeNames: { '#hash': attribute },
        ExpressionAttributeValues: { ':keyHash': keyHash },
        Limit: 2,
      })
    );
    return Items.map((item) => partnerItemSchema.parse(item));
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

  /** Creates or replaces a partner record (onboarding; the tests' fixtures). */
  async save(partner: PartnerItem): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: withoutUndefined(partnerItemSchema.parse(partner)) }));
  }

  /**
   * Changes a partner record: `edit` gets the record as stored and answers it changed, or undefined
   * for no change. The write is conditioned on the revision read, so an operator's command and SES
   * feedback changing one partner at once do not overwrite each other; `change` is recorded first
   * in the record's recent changes. Undefined when there is no such partner.
   */
  async change(
    partnerId: string,
    change: Omit<PartnerChange, 'at'>,
    edit: (partner: PartnerItem) => PartnerItem | undefined,
    now = new Date()
  ) {
    return optimistically(
      async (): Promise<PartnerItem | undefined | typeof lostRace> => {
        const stored = await this.get(partnerId);
        if (stored === undefined) return undefined;
        const edited = edit(stored);
        if (edited === undefined) return stored;
        const revision = stored.revision ?? 0;
        const changes = [{ ...change, at: now.toISOString() }, ...(stored.changes ?? [])].slice(0, keptChanges);
        // Attributes an edit unset (a previous key after its overlap) are removed, not written as undefined.
        const item = withoutUndefined(partnerItemSchema.parse({ ...edited, changes, revision: revision + 1 }));
        try {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: item,
              ConditionExpression: stored.revision === undefined ? 'attribute_not_exists(revision)' : 'revision = :revision',
              ...(stored.revision === undefined ? {} : { ExpressionAttributeValues: { ':revision': revision } }),
            })
          );
        } catch (error) {
          if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return lostRace;
          throw error;
        }
        return item;
      },
      { attempts: 5, exhausted: () => new Error(`partner ${partnerId}: changed by someone else five times in a row`) }
    );
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
