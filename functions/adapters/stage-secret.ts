import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

/** The partition of a stage secret's item, which is also what the infrastructure lets a function create (infra/stack.ts). */
export const stageSecretPk = (name: string): string => `SECRET#${name}`;

/**
 * Secrets the platform makes for itself, one per stage and name: 32 random bytes created on first
 * use and kept in the cases table, which is encrypted with the stage's customer-managed key and
 * readable only by the functions granted it. There is no Secrets Manager emulator for the local
 * stack, and a key that only HMACs data already in the same table is no more exposed there than
 * the data itself. Concurrent first uses agree: the first put wins, everyone reads it back.
 */
export class StageSecrets {
  private readonly loaded = new Map<string, Promise<Uint8Array>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  get(name: string): Promise<Uint8Array> {
    let secret = this.loaded.get(name);
    if (secret === undefined) {
      secret = this.loadOrCreate(name);
      // A failed load is retried by the next caller rather than cached.
      secret.catch(() => this.loaded.delete(name));
      this.loaded.set(name, secret);
    }
    return secret;
  }

  private async loadOrCreate(name: string): Promise<Uint8Array> {
    const key = { pk: stageSecretPk(name), sk: 'SECRET' };
    const existing = await this.read(key);
    if (existing !== undefined) return existing;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, value: randomBytes(32), createdAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
    const created = await this.read(key);
    if (created === undefined) throw new Error(`stage secret ${name} could not be read back`);
    return created;
  }

  private async read(key: { pk: string; sk: string }): Promise<Uint8Array | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return Item?.value instanceof Uint8Array ? Item.value : undefined;
  }
}
