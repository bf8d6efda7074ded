import { createHash } from 'node:crypto';

/**
 * An id derived from what it stands for, shaped as a UUID (version 8, RFC 9562) like every other id
 * of the API: the same parts always give the same id, so a repeat of one thing (an event handled
 * twice, a request sent again) lands on the record the first made, which a conditional write
 * keeps single.
 */
export const derivedUuid = (namespace: string, ...parts: readonly string[]): string => {
  const hex = createHash('sha256')
    .update([namespace, ...parts].map((part) => `${part.length}:${part}`).join(''))
    .digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};
