import { createHash, randomBytes } from 'node:crypto';

/**
 * Partner keys are 256 random bits, so a plain SHA-256 is enough to store them: there is no
 * dictionary to try against the hash. The key itself is shown once and never stored.
 */
const keyPattern = /^trm_[A-Za-z0-9_-]{43}$/;

export const generatePartnerKey = (): string => `trm_${randomBytes(32).toString('base64url')}`;

export const isWellFormedPartnerKey = (candidate: string): boolean => keyPattern.test(candidate);

export const hashPartnerKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The key from an `Authorization: Bearer <key>` header, or undefined when the header is not of that form. */
export const bearerKey = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1] !== undefined && isWellFormedPartnerKey(match[1]) ? match[1] : undefined;
};
