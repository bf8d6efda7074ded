import * as z from 'zod/mini';
import { reasonCode } from './case.ts';
import { countryCode, isoDateTime, programmeId } from './primitives.ts';
import { sexes } from './referral.ts';

/** The age bands figures are broken down by (the band of the age on the day of submission). */
export const ageBands = ['under_18', '18_24', '25_34', '35_49', '50_and_over'] as const;
export type AgeBand = (typeof ageBands)[number];

/**
 * What `GET /v1/programmes/{id}/figures` answers. The domain's figures are typed with it, so the
 * published contract and the response cannot drift apart. A `null` count is withheld.
 */
const cell = z.nullable(z.int().check(z.minimum(0)));

export const figureCellsSchema = z.object({
  assessed: cell,
  assisted: cell,
  waitlisted: cell,
  needsReview: cell,
  ineligible: cell,
});

export const programmeFiguresSchema = z.object({
  programmeId,
  asOf: isoDateTime,
  caps: z.object({ assessment: z.nullable(z.int()), assistance: z.nullable(z.int()) }),
  suppression: z.object({ threshold: z.int(), rule: z.string() }),
  totals: figureCellsSchema,
  ineligibleByReason: z.partialRecord(reasonCode, cell),
  byHostCountry: z.record(countryCode, figureCellsSchema),
  byOriginCountry: z.record(countryCode, figureCellsSchema),
  bySex: z.record(z.enum(sexes), figureCellsSchema),
  byAgeBand: z.record(z.enum(ageBands), figureCellsSchema),
});
export type ProgrammeFigures = z.infer<typeof programmeFiguresSchema>;
export type FigureCells = z.infer<typeof figureCellsSchema>;
