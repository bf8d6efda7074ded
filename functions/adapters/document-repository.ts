import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CheckVerdict } from '#domain/document-check';
import { casePk } from './case-items.ts';
import { type DocumentItem, documentItemSchema, documentKey, documentPrefix } from './document-items.ts';
import { queryAll } from './dynamodb-queries.ts';
import { type PersonalDataAccess, requireSealer, withholding } from './personal-fields.ts';

const fileNameField = (documentId: string) => `document.fileName#${documentId}` as const;

/**
 * The documents of cases in the cases table (document-items.ts). The file name is sealed on write
 * and opened only by a repository given the opener; without it, reading the name throws.
 */
export class DocumentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly personalData: PersonalDataAccess = {}
  ) {}

  async create(document: Omit<DocumentItem, 'fileName'> & { fileName: string }): Promise<void> {
    const sealer = requireSealer(this.personalData, 'document.fileName');
    const fileName = await sealer.seal(document.caseId, fileNameField(document.documentId), document.fileName);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...documentKey(document.caseId, document.documentId), ...document, fileName },
        ConditionExpression: 'attribute_not_exists(pk)',
      })
    );
  }

  async get(caseId: string, documentId: string): Promise<DocumentItem | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: documentKey(caseId, documentId), ConsistentRead: true })
    );
    return Item === undefined ? undefined : this.open(Item);
  }

  /** A case's documents, oldest first. */
  async ofCase(caseId: string): Promise<DocumentItem[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': casePk(caseId), ':prefix': documentPrefix },
      ConsistentRead: true,
    });
    const documents = await Promise.all(items.map((item) => this.open(item)));
    return documents.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.documentId.localeCompare(b.documentId));
  }

  /** Remembers a version of the object, so that deleting the document deletes it; false when there is no such document. */
  async recordVersion(caseId: string, documentId: string, versionId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: documentKey(caseId, documentId),
          UpdateExpression: 'ADD versions :version',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':version': new Set([versionId]) },
        })
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Records the check's verdict on a document still waiting for its upload; false when it no longer is. */
  async settle(caseId: string, documentId: string, versionId: string, verdict: CheckVerdict, at: string): Promise<boolean> {
    const rejection = verdict.kind === 'rejected' ? verdict.reason : undefined;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: documentKey(caseId, documentId),
          UpdateExpression: `SET #status = :status, checkedVersion = :version, updatedAt = :at${rejection === undefined ? '' : ', rejection = :rejection'}`,
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': verdict.kind,
            ':version': versionId,
            ':at': at,
            ':pending': 'pending_upload',
            ...(rejection === undefined ? {} : { ':rejection': rejection }),
          },
        })
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(caseId: string, documentId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: documentKey(caseId, documentId) }));
  }

  private async open(item: Record<string, unknown>): Promise<DocumentItem> {
    const stored = documentItemSchema.parse({ ...item, versions: item.versions instanceof Set ? [...item.versions] : item.versions });
    const { fileName, ...clear } = stored;
    if (fileName === undefined) return clear;
    const opener = this.personalData.open;
    if (opener === undefined) return withholding({ ...clear }, 'fileName', 'document.fileName');
    return { ...clear, fileName: await opener.open(stored.caseId, fileNameField(stored.documentId), fileName) };
  }
}
