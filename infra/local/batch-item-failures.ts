/** The identifiers of a partial batch response; undefined when the response is malformed. */
export function batchItemFailures(payload: unknown): string[] | undefined {
  if (payload === null || payload === undefined || typeof payload !== 'object') return [];
  const failures = (payload as Record<string, unknown>).batchItemFailures;
  if (failures === null || failures === undefined) return [];
  if (!Array.isArray(failures)) return undefined;
  const identifiers: string[] = [];
  for (const failure of failures) {
    const identifier = typeof failure === 'object' && failure !== null ? (failure as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof identifier !== 'string' || identifier === '') return undefined;
    identifiers.push(identifier);
  }
  return identifiers;
}
