import { hostname, userInfo } from 'node:os';
import * as z from 'zod';
import type { PartnerChange, PartnerItem } from '../../events/partner.ts';
import { countryCode, partnerId, role } from '../../events/primitives.ts';
import type { PartnerRepository } from '../../functions/adapters/partner-repository.ts';
import { generatePartnerKey, hashPartnerKey } from '../../functions/domain/partner-key.ts';

/**
 * What ops can do to partners. A key is returned once, to be handed to the partner, and only its
 * hash is stored. The authorizer's answers are not cached (infra/constructs/partner-api.ts), so
 * every change here holds from the next request: a disabled partner or an old key past its overlap
 * is refused at once. Every change records the operator who made it on the partner record.
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

/** Who made a change when `--operator` does not say: the operating system's user and host. */
export const defaultOperator = (): string => `${userInfo().username}@${hostname()}`;

/** Who made a change: `--operator`, or the operating system's user and host. */
export const operatorSchema = z.string().trim().min(1, 'must name who makes the change (--operator)').max(200);

/** How long an old key keeps working after a rotation: none (a leaked key) up to 30 days. */
export const maxOverlapHours = 30 * 24;
const overlapHoursSchema = z
  .number({ error: 'must be a number of hours (--overlap 0 stops the old key at once)' })
  .min(0)
  .max(maxOverlapHours, `must be at most ${maxOverlapHours} hours (30 days)`);

export class PartnerAdminError extends Error {
  override name = 'PartnerAdminError';
}

type Change = Omit<PartnerChange, 'at'>;

export const createPartner = async (partners: PartnerRepository, input: NewPartner, operator = defaultOperator(), now = new Date()) => {
  const partner = newPartnerSchema.parse(input);
  const by = operatorSchema.parse(operator);
  if ((await partners.get(partner.partnerId)) !== undefined) {
    throw new PartnerAdminError(`partner ${partner.partnerId} already exists (use rotate-key to issue a new key)`);
  }
  const key = generatePartnerKey();
  await partners.save({
    ...partner,
    status: 'active',
    keyHash: hashPartnerKey(key),
    keyCreatedAt: now.toISOString(),
    changes: [{ action: 'created', by, at: now.toISOString() }],
    revision: 0,
  });
  return { partnerId: partner.partnerId, key };
};

/**
 * A new key; the one it replaces keeps working for `overlapHours` (0: stops at once), so that the
 * partner can deploy the new key without a gap. A rotation during an overlap ends the earlier
 * overlap: only the key just replaced stays valid.
 */
export const rotatePartnerKey = async (
  partners: PartnerRepository,
  id: string,
  options: { overlapHours?: number; operator?: string } = {},
  now = new Date()
) => {
  const overlapHours = overlapHoursSchema.parse(options.overlapHours ?? 0);
  const key = generatePartnerKey();
  const validUntil = new Date(now.getTime() + overlapHours * 3_600_000).toISOString();
  await change(
    partners,
    id,
    { action: 'key-rotated', by: operatorSchema.parse(options.operator ?? defaultOperator()) },
    now,
    (partner) => ({
      ...partner,
      keyHash: hashPartnerKey(key),
      keyCreatedAt: now.toISOString(),
      previousKeyHash: overlapHours > 0 ? partner.keyHash : undefined,
      previousKeyValidUntil: overlapHours > 0 ? validUntil : undefined,
    })
  );
  // Without an overlap, the old key is already refused: there is no time to give.
  return { partnerId: id, key, previousKeyValidUntil: overlapHours > 0 ? validUntil : undefined };
};

/** Disabling stops the current key and any key in its overlap at once; enabling restores the current key only. */
export const setPartnerStatus = async (
  partners: PartnerRepository,
  id: string,
  status: PartnerItem['status'],
  operator = defaultOperator(),
  now = new Date()
) => {
  const action = status === 'disabled' ? 'disabled' : 'enabled';
  await change(partners, id, { action, by: operatorSchema.parse(operator) }, now, (partner) => ({
    ...partner,
    status,
    previousKeyHash: undefined,
    previousKeyValidUntil: undefined,
  }));
  return { partnerId: id, status };
};

/** Replaces a partner's contact addresses; a failing mark of an address no longer listed goes with it. */
export const setPartnerEmails = async (partners: PartnerRepository, id: string, emails: string[], operator: string, now = new Date()) => {
  const parsed = newPartnerSchema.shape.emails.parse(emails);
  await change(partners, id, { action: 'emails-changed', by: operatorSchema.parse(operator) }, now, (partner) => ({
    ...partner,
    emails: parsed,
    failingMailboxes: (partner.failingMailboxes ?? []).filter((mailbox) => parsed.includes(mailbox.address)),
  }));
  return { partnerId: id, emails: parsed };
};

/** Sends to a mailbox marked failing again (the partner fixed it), or to all of them without `address`. */
export const clearFailingMailbox = async (
  partners: PartnerRepository,
  id: string,
  address: string | undefined,
  operator: string,
  now = new Date()
) => {
  const by = operatorSchema.parse(operator);
  const updated = await change(
    partners,
    id,
    { action: 'mailbox-cleared', by, ...(address === undefined ? {} : { address }) },
    now,
    (partner) => {
      const failing = partner.failingMailboxes ?? [];
      const kept = address === undefined ? [] : failing.filter((mailbox) => mailbox.address.toLowerCase() !== address.toLowerCase());
      if (kept.length === failing.length)
        throw new PartnerAdminError(`partner ${id} has no failing mailbox${address === undefined ? '' : ` ${address}`}`);
      return { ...partner, failingMailboxes: kept.length === 0 ? undefined : kept };
    }
  );
  return { partnerId: id, failingMailboxes: updated.failingMailboxes ?? [] };
};

/**
 * The list ops sees: never a key hash. With each partner, until when its previous key still works,
 * its failing mailboxes and its latest change with who made it.
 */
export const listPartners = async (partners: PartnerRepository, now = new Date()) =>
  (await partners.list())
    .map(({ keyHash: _hash, previousKeyHash: _previous, previousKeyValidUntil, changes, revision: _revision, ...partner }) => ({
      ...partner,
      ...(previousKeyValidUntil !== undefined && Date.parse(previousKeyValidUntil) > now.getTime() ? { previousKeyValidUntil } : {}),
      ...(changes?.[0] === undefined ? {} : { lastChange: changes[0] }),
    }))
    .sort((a, b) => a.partnerId.localeCompare(b.partnerId));

/** Every change a partner record keeps (the latest 20), newest first. */
export const partnerHistory = async (partners: PartnerRepository, id: string) => ({
  partnerId: id,
  changes: (await existing(partners, id)).changes ?? [],
});

const change = async (
  partners: PartnerRepository,
  id: string,
  what: Change,
  now: Date,
  edit: (partner: PartnerItem) => PartnerItem
): Promise<PartnerItem> => {
  const updated = await partners.change(id, what, edit, now);
  if (updated === undefined) throw new PartnerAdminError(`no partner ${id}`);
  return updated;
};

const existing = async (partners: PartnerRepository, id: string): Promise<PartnerItem> => {
  const partner = await partners.get(id);
  if (partner === undefined) throw new PartnerAdminError(`no partner ${id}`);
  return partner;
};
