import { UpdateCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Test setup only: puts a case straight into the state a test starts from (a status, a receiver,
 * an approved plan...), standing in for the engine and the earlier lifecycle steps that would have
 * brought it there. It bypasses the places and the history on purpose; the code under test never does.
 */
export const placeCase = async (caseId: string, changes: Record<string, unknown>): Promise<void> => {
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  const entries = Object.entries(changes);
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
