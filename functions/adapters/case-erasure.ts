import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentObjectKey } from '#domain/document-rules';
import type { Erasure } from '#domain/erasure';
import { noPlaceChange } from '#domain/places';
import type { CaseItem, CaseStatus } from '#events/case';
import { unlimited, writeCaseChange } from './case-change.ts';
import { casePk, caseSk, listIndexOf } from './case-items.ts';
import { documentPrefix } from './document-items.ts';
import type { DocumentStorage } from './document-storage.ts';
import { queryAll, queryPrefixes } from './dynamodb-queries.ts';
import { paymentPrefix } from './payment-items.ts';
import { type PersonalDataAccess, personalPathsIn, removeClause } from './personal-fields.ts';

type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit of actions in one transaction. */
const transactionLimit = 100;

/**
 * Erases a case's personal data in one transaction through the case-change path
 * (case-change.ts): the case item loses its personal attributes and gains the erasure record, the
 * history entry and the eraser's note are written, and every note and payment of the case loses its
 * personal attributes (personal-fields.ts), all or none. Status, history, reference, places,
 * budgets and ledger are not touched, so the programme's figures and the ledger's totals stay
 * the same.
 */
export class CaseErasure {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The eraser's note is sealed like every note; the retention job writes none. */
    private readonly personalData: PersonalDataAccess = {},
    /** Where the case's documents are: every version of each is deleted before the records lose their names. */
    private readonly documentStorage?: DocumentStorage
  ) {}

  /**
   * The cases in an end status that last changed on or before `changedBy`: the candidates of the
   * retention rule (the `byStatus` index projects neither the person nor the erasure record, so the
   * caller reads each candidate before erasing it).
   */
  async endedCases(status: CaseStatus, changedBy: string): Promise<Array<{ caseId: string; programmeId: string }>> {
    const { index, partition } = listIndexOf({ of: 'status', status });
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: index,
      KeyConditionExpression: '#partition = :partition',
      FilterExpression: 'updatedAt <= :changedBy',
      ExpressionAttributeNames: { '#partition': partition.name },
      ExpressionAttributeValues: { ':partition': partition.value, ':changedBy': changedBy },
      ProjectionExpression: 'caseId, programmeId',
    });
    return items.map((item) => ({ caseId: String(item.caseId), programmeId: String(item.programmeId) }));
  }

  /**
   * `conflict` when the case or one of its payments changed since they were read: the caller reads
   * the case again and decides afresh.
   */
  async erase(stored: CaseItem, erasure: Erasure): Promise<'applied' | 'conflict'> {
    const pk = casePk(stored.caseId);
    // The items as stored, not as a repository opens them: what to remove is what is there, sealed or
    // not, whether or not this function could read it.
    const storedItems = await queryPrefixes(this.client, {
      tableName: this.tableName,
      pk,
      prefixes: [caseSk, 'NOTE#', paymentPrefix, documentPrefix],
    });
    await this.deleteDocumentObjects(stored.caseId, storedItems);
    const caseItem = storedItems.find((item) => item.sk === caseSk);
    const related = storedItems.filter((item) => item.sk !== caseSk);
    const alongside = related.flatMap((item): TransactWriteItem[] => {
      const sk = String(item.sk);
      // A document goes whole (its bytes are gone): an upload still arriving then finds no document and is deleted.
      if (sk.startsWith(documentPrefix)) return [{ Delete: { TableName: this.tableName, Key: { pk, sk } } }];
      const isNote = sk.startsWith('NOTE#');
      const paths = personalPathsIn(isNote ? 'note' : 'payment', item);
      if (paths.length === 0) return [];
      const removal = removeClause(paths);
      // A payment's steps may grow meanwhile (a step with a note): the count read must still hold.
      const steps = Array.isArray(item.steps) ? item.steps.length : 0;
      return [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk, sk },
            UpdateExpression: removal.expression,
            ConditionExpression: isNote ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND size(#steps) = :steps',
            ExpressionAttributeNames: { ...removal.names, ...(isNote ? {} : { '#steps': 'steps' }) },
            ...(isNote ? {} : { ExpressionAttributeValues: { ':steps': steps } }),
          },
        },
      ];
    });
    if (alongside.length + 3 > transactionLimit) {
      throw new Error(`case ${stored.caseId}: ${alongside.length} notes and payments to erase exceed one transaction`);
    }
    const caseRemoval = removeClause(caseItem === undefined ? [] : personalPathsIn('case', caseItem), 'e');
    const result = await writeCaseChange(
      this.client,
      this.tableName,
      stored,
      unlimited,
      {
        to: stored.status,
        places: noPlaceChange,
        changes: { personalData: erasure.record },
        history: erasure.history,
        note: erasure.note,
        remove: caseRemoval.expression === undefined ? undefined : { expression: caseRemoval.expression, names: caseRemoval.names },
        alongside,
      },
      this.personalData
    );
    // No counters move in an erasure: a failed condition is the case's or a payment's, a lost race either way.
    return result === 'applied' ? 'applied' : 'conflict';
  }

  /**
   * Every recorded version of every document of the case, deleted first: should the transaction then
   * lose a race, the erasure is retried and finds nothing left to delete. An upload still arriving
   * after this finds its document refused by the check (functions/domain/document-rules.ts).
   */
  private async deleteDocumentObjects(caseId: string, items: Record<string, unknown>[]): Promise<void> {
    const documents = items.filter((item) => String(item.sk).startsWith(documentPrefix));
    if (documents.length === 0) return;
    if (this.documentStorage === undefined) throw new Error(`case ${caseId} has documents and this erasure was given no storage`);
    const storage = this.documentStorage;
    for (const document of documents) {
      const versions = document.versions instanceof Set ? [...document.versions].map(String) : [];
      await storage.deleteVersions(documentObjectKey(caseId, String(document.documentId)), versions);
    }
  }
}
