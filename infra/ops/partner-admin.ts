import * as z from 'zod';
import type { PartnerItem } from '../../events/partner.ts';
import { countryCode, partnerId, role } from '../../events/primitives.ts';
import type { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { generatePartnerKey, hashPartnerKey } from '../../functions/domain/partner-key.ts';

/**
 * What ops can do to partners. A key is returned once, to be handed to the partner, and only its
 * hash is stored; rotating or disabling takes effect as soon as the authorizer's cached answer for
 * the old key expires (the stage's `authorizerCacheSeconds`).
 */
export const newPartnerSchema = z.strictObject({
  partnerId,
  name: z.string().trim().min(1).max(200),
  roles: z.array(role).min(1),
  country: countryCode,
  language: z.string().regex(/^[a-z]{2}$/, 'must be a two-letter language code, e.g. fr'),
  emails: z.array(z.email()).min(1),
});
export type NewPartner = z.infer<typeof newPartnerSchema>;

export class PartnerAdminError extends Error {
  override name = 'PartnerAdminError';
}

export const createPartner = async (partners: PartnerRepository, input: NewPartner, now = new Date()) => {
  const partner = newPartnerSchema.parse(input);
  if ((await partners.get(partner.partnerId)) !== undefined) {
    throw new PartnerAdminError(`partner ${partner.partnerId} already exists (use rotate-key to issue a new key)`);
  }
  const key = generatePartnerKey();
  await partners.save({ ...partner, status: 'active', keyHash: hashPartnerKey(key), keyCreatedAt: now.toISOString() });
  return { partnerId: partner.partnerId, key };
};

export const rotatePartnerKey = async (partners: PartnerRepository, id: string, now = new Date()) => {
  const partner = await existing(partners, id);
  const key = generatePartnerKey();
  await partners.save({ ...partner, keyHash: hashPartnerKey(key), keyCreatedAt: now.toISOString() });
  return { partnerId: id, key };
};

export const setPartnerStatus = async (partners: PartnerRepository, id: string, status: PartnerItem['status']) => {
  const partner = await existing(partners, id);
  await partners.save({ ...partner, status });
  return { partnerId: id, status };
};

/** The list ops sees: never the key hash. */
export const listPartners = async (partners: PartnerRepository) =>
  (await partners.list()).map(({ keyHash: _hash, ...partner }) => partner).sort((a, b) => a.partnerId.localeCompare(b.partnerId));

const existing = async (partners: PartnerRepository, id: string): Promise<PartnerItem> => {
  const partner = await partners.get(id);
  if (partner === undefined) throw new PartnerAdminError(`no partner ${id}`);
  return partner;
};
