import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/** Every item a query selects, across all its pages: for reads that need the whole answer, never for paged listings. */
export const queryAll = async (client: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> => {
  const items: Item[] = [];
  for await (const page of paginateQuery({ client }, input)) items.push(...(page.Items ?? []));
  return items;
};

/** Every item a scan selects, across all its pages: only for tables of tens of items (partners). */
export const scanAll = async (client: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> => {
  const items: Item[] = [];
  for await (const page of paginateScan({ client }, input)) items.push(...(page.Items ?? []));
  return items;
};

/**
 * The items of one partition whose sort keys begin with any of `prefixes`: one query per prefix,
 * run together, so a read names what it needs instead of reading a partition that also holds
 * payments, ledger entries and markers.
 */
export const queryPrefixes = async (
  client: DynamoDBDocumentClient,
  input: { tableName: string; pk: string; prefixes: readonly string[]; projection?: readonly string[] }
): Promise<Item[]> => {
  const projection =
    input.projection === undefined
      ? {}
      : {
          // Every name aliased: several (status, number, reference, state) are DynamoDB reserved words.
          ProjectionExpression: input.projection.map((_, index) => `#p${index}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(input.projection.map((name, index) => [`#p${index}`, name])),
        };
  const pages = await Promise.all(
    input.prefixes.map((prefix) =>
      queryAll(client, {
        TableName: input.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': input.pk, ':prefix': prefix },
        ...projection,
      })
    )
  );
  return pages.flat();
};
