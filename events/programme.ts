import * as z from 'zod/mini';
import { countryCode, isoDate, programmeId, text } from './primitives.ts';
import { worldRegions } from './world-regions.ts';

/**
 * A programme as data (`events/programmes/<id>.json`): adding a programme is adding a file.
 * Definitions are validated when the CDK app synthesizes, so a bad one never deploys; the
 * functions parse them again at init, which also gives them their types.
 */

const unique = <T>(items: readonly T[]): boolean => new Set(items).size === items.length;

const countryList = z
  .array(countryCode)
  .check(z.minLength(1, { error: 'must list at least one country' }), z.refine(unique, { error: 'must not repeat a country' }));

/** Both ends inclusive; no `closesOn` means open until further notice. */
export const programmeWindowSchema = z.strictObject({ opensOn: isoDate, closesOn: z.optional(isoDate) }).check(
  z.refine((window) => window.closesOn === undefined || window.closesOn >= window.opensOn, {
    error: 'must not be before opensOn',
    path: ['closesOn'],
  })
);
export type ProgrammeWindow = z.infer<typeof programmeWindowSchema>;

const category = z.string().check(z.regex(/^[a-z][a-z_]{1,31}$/, { error: 'must be a category name in snake_case, e.g. job_placement' }));

export const programmeDefinitionSchema = z.strictObject({
  id: programmeId,
  name: text(200),
  managedBy: z.optional(text(200)),
  hostCountries: countryList,
  /** Countries of origin covered: listed, or as UN M49 regions, or both. */
  origin: z
    .strictObject({
      countries: z.optional(countryList),
      regions: z.optional(
        z
          .array(z.enum(worldRegions))
          .check(z.minLength(1, { error: 'must list at least one region' }), z.refine(unique, { error: 'must not repeat a region' }))
      ),
    })
    .check(
      z.refine((origin) => origin.countries !== undefined || origin.regions !== undefined, {
        error: 'must list countries or regions',
      })
    ),
  /** The programme's own window, when the source states one; a stage may override it (cdk.json). */
  window: z.optional(programmeWindowSchema),
  fundingMonths: z.optional(z.int().check(z.positive())),
  /** `null` is an explicit "no cap stated": the key is required so that a forgotten cap stops synth. */
  caps: z
    .strictObject({
      assessment: z.nullable(z.int().check(z.positive())),
      assistance: z.nullable(z.int().check(z.positive())),
    })
    .check(
      z.refine((caps) => caps.assistance === null || caps.assessment === null || caps.assistance <= caps.assessment, {
        error: 'must not exceed the assessment cap: only assessed people are assisted',
        path: ['assistance'],
      })
    ),
  acceptsMinors: z.boolean(),
  reintegration: z.strictObject({
    currency: z.string().check(z.regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 currency code, e.g. EUR' })),
    /** Budget limit per case and category, in minor units of the currency. */
    categories: z.array(z.strictObject({ category, limit: z.int().check(z.positive()) })).check(
      z.minLength(1, { error: 'must list at least one category' }),
      z.refine((items) => unique(items.map((item) => item.category)), { error: 'must not repeat a category' })
    ),
  }),
  monitoring: z.strictObject({
    /** Days after arrival within which the reintegration plan is due. */
    planDueDays: z.int().check(z.positive()),
    /** Days after arrival of each monitoring visit. */
    visitDaysAfterArrival: z.array(z.int().check(z.positive())).check(
      z.minLength(1, { error: 'must schedule at least one visit' }),
      z.refine((days) => days.every((day, index) => index === 0 || day > (days[index - 1] as number)), {
        error: 'must be in increasing order',
      })
    ),
  }),
  /**
   * How long the personal data of a case is kept after the case ends (closed, withdrawn, ineligible,
   * declined): then the retention job erases it (functions/erase-expired.ts). Required, so that a
   * programme cannot deploy without saying.
   */
  retention: z.strictObject({ personalDataDaysAfterEnd: z.int().check(z.positive()) }),
});
export type ProgrammeDefinition = z.infer<typeof programmeDefinitionSchema>;

/** The windows a stage runs with, by programme id: the Lambda environment carries them (PROGRAMME_WINDOWS). */
export const programmeWindowsSchema = z.record(programmeId, programmeWindowSchema);
export type ProgrammeWindows = z.infer<typeof programmeWindowsSchema>;

/** A definition with the window it runs with in this stage. */
export type Programme = ProgrammeDefinition & { window: ProgrammeWindow };
