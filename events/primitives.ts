import * as z from 'zod/mini';
import { isIsoCountryCode } from './countries.ts';

/** Building blocks shared by every contract. `zod/mini` keeps them cheap to load in a Lambda. */

const countryCodeMessage = 'must be an ISO 3166-1 alpha-2 country code, e.g. FR';
export const countryCode = z
  .string()
  .check(z.regex(/^[A-Z]{2}$/, { error: countryCodeMessage, abort: true }), z.refine(isIsoCountryCode, { error: countryCodeMessage }));

export const isoDate = z.iso.date({ error: 'must be a calendar date as YYYY-MM-DD' });

export const isoDateTime = z.iso.datetime();

/** Free text a person typed: trimmed, never empty, bounded. */
export const text = (maxLength: number) =>
  z.string().check(z.trim(), z.minLength(1, { error: 'must not be empty' }), z.maxLength(maxLength));

export const programmeId = z.string().check(z.regex(/^[A-Z][A-Z0-9_]{1,15}$/, { error: 'must be a programme id such as TACT or CARE' }));

export const caseId = z
  .string()
  .check(z.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, { error: 'must be a case id' }));

export const partnerId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/));

export const roles = ['referrer', 'receiver', 'coordinator', 'finance'] as const;
export const role = z.enum(roles);
export type Role = z.infer<typeof role>;
