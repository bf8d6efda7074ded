import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type CaseAction, caseActions } from '../../functions/domain/case-lifecycle.ts';

/**
 * Moves a case the way the lifecycle routes will once they exist: one transaction that updates the
 * case item only if it is still in the status and version read (conditional update), increments
 * its version, and writes the history entry. Test scaffolding only: the case repository's own
 * transition method is being written in another change.
 */
export const applyCaseAction = async (
  caseId: string,
  action: CaseAction,
  options: { by?: string; receiverId?: string } = {}
): Promise<{ status: string; version: number }> => {
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  const tableName = process.env.CASES_TABLE_NAME!;
  const key = { pk: `CASE#${caseId}`, sk: 'CASE' };
  const { Item } = await documentClient.send(new GetCommand({ TableName: tableName, Key: key }));
  if (Item === undefined) throw new Error(`no case ${caseId}`);
  const transition = caseActions[action];
  if (!(transition.from as readonly string[]).includes(Item.status)) {
    throw new Error(`${action} is not possible from ${Item.status}`);
  }
  const status = transition.to ?? Item.status;
  const version = Number(Item.version) + 1;
  const at = new Date().toISOString();
  const receiver = options.receiverId === undefined ? {} : { ':receiverId': options.receiverId };
  await documentClient.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: tableName,
            Key: key,
            UpdateExpression: `SET #status = :to, version = :next, updatedAt = :at${options.receiverId === undefined ? '' : ', receiverId = :receiverId'}`,
            ConditionExpression: '#status = :from AND version = :current',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':to': status,
              ':next': version,
              ':at': at,
              ':from': Item.status,
              ':current': Item.version,
              ...receiver,
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              pk: key.pk,
              sk: `HISTORY#${at}#${String(version).padStart(6, '0')}`,
              at,
              by: options.by ?? 'system',
              action,
              fromStatus: Item.status,
              toStatus: status,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    })
  );
  return { status, version };
};
