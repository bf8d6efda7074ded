import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AccessLogEntry, accessLogEntrySchema } from '#events/personal-data';
import type { CursorBinding, PageCursors } from './cursor.ts';
import type { TransactItem } from './payment-items.ts';

/**
 * The access log: one item per disclosure of a case's personal data, in a table of its own
 * (`CASE#<case>` / `<time>#<random id>`), oldest first. Append-only by construction: entries are put
 * only where no item exists, and the stack grants the writers nothing but `dynamodb:PutItem` and the
 * reader nothing but `dynamodb:Query` on the table (infra/constructs/data-tables.ts), so no function
 * can change or delete an entry. An entry holds who, when and what kind of view, never a value.
 */
export class AccessLogRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors?: PageCursors
  ) {}

  /** The put of one entry, for a transaction that records the disclosure with another write. */
  entryPut(entry: AccessLogEntry): TransactItem {
    return { Put: this.put(entry) };
  }

  /** Records one disclosure; throws when it cannot, and then the data must not be sent. */
  async record(entry: AccessLogEntry): Promise<void> {
    await this.client.send(new PutCommand(this.put(entry)));
  }

  /** One page of a case's disclosures, oldest first; the cursor is sealed for this case and this caller (cursor.ts). */
  async page(
    caseId: string,
    query: { limit: number; cursor?: string | undefined; caller: string }
  ): Promise<{ items: AccessLogEntry[]; nextCursor?: string }> {
    if (this.cursors === undefined) throw new Error('the access log is paged only by a repository given the page cursors');
    const pk = accessLogPk(caseId);
    const binding: CursorBinding = { list: `access log of case ${caseId}`, caller: query.caller };
    const startKey =
      query.cursor === undefined
        ? undefined
        : await this.cursors.open(query.cursor, binding, {
            keyNames: ['pk', 'sk'],
            partition: { name: 'pk', value: pk },
            fits: (key) => key.pk === pk,
          });
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: query.limit,
        ExclusiveStartKey: startKey,
      })
    );
    return {
      items: (page.Items ?? []).map((item) => accessLogEntrySchema.parse(item)),
      ...(page.LastEvaluatedKey === undefined ? {} : { nextCursor: await this.cursors.seal(page.LastEvaluatedKey, binding) }),
    };
  }

  private put(entry: AccessLogEntry) {
    return {
      TableName: this.tableName,
      // The random part keeps two disclosures in the same millisecond apart, and no key is ever reused.
      Item: { pk: accessLogPk(entry.caseId), sk: `${entry.at}#${randomUUID()}`, ...entry },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }
}

const accessLogPk = (caseId: string): string => `CASE#${caseId}`;
