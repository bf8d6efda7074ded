import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { assistedStatuses } from '../../functions/domain/case-lifecycle.ts';

/**
 * Test setup only: puts a case straight into the state a test starts from (a status, a receiver,
 * an approved plan...), standing in for the engine and the earlier lifecycle steps that would have
 * brought it there. It bypasses the places and the history on purpose; the code under test never does.
 */
export const placeCase = async (
  caseId: string,
  changes: Record<string, unknown>,
  records: Array<{ sk: string } & Record<string, unknown>> = []
): Promise<void> => {
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  for (const record of records) {
    await documentClient.send(new PutCommand({ TableName: process.env.CASES_TABLE_NAME, Item: { ...record, pk: `CASE#${caseId}` } }));
  }
  // A case in an assisted status holds an assistance place, as the engine would have left it.
  const holdsPlace = typeof changes.status === 'string' && (assistedStatuses as readonly string[]).includes(changes.status);
  const entries = Object.entries(holdsPlace ? { assessmentPlace: true, assistancePlace: true, ...changes } : changes);
  await documentClient.send(
    new UpdateCommand({
      TableName: process.env.CASES_TABLE_NAME,
      Key: { pk: `CASE#${caseId}`, sk: 'CASE' },
      UpdateExpression: `SET ${entries.map((_, index) => `#f${index} = :f${index}`).join(', ')}, version = version + :one`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], index) => [`#f${index}`, name])),
      ExpressionAttributeValues: { ...Object.fromEntries(entries.map(([, value], index) => [`:f${index}`, value])), ':one': 1 },
    })
  );
};
