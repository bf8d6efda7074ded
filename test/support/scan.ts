import { type DynamoDBDocumentClient, paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * Every item a Scan finds, page by page: one Scan reads at most 1 MB, and the shared test tables
 * outgrow that (sealed personal values made their items larger), so a single page misses items.
 */
export const scanAll = async (client: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client }, input)) items.push(...(page.Items ?? []));
  return items;
};
