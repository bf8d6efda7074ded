/**
 * What the lifecycle needs to know about a programme: the reintegration categories it funds with
 * their budget limits, its currency, when monitoring visits fall due and how long a receiver has
 * to get a plan approved.
 *
 * PROVISIONAL (merge point): programmes are data, built in the eligibility work
 * (`events/programmes/*.json` + `events/programme.ts`). Until that lands, the CARE and TACT rules
 * are written here from the seeds, behind this one lookup; at merge `programmeRules` should read the
 * programme data instead, and this table goes away.
 *
 * Budget limits are per person and category, in euro cents. The seeds give no figures; these are
 * placeholders in the range of IOM reintegration packages (a few thousand euro in all), meant to be
 * replaced by the programme data.
 */
export interface ProgrammeRules {
  currency: string;
  categories: ReadonlyArray<{ name: string; limit: number }>;
  /** Months after arrival at which a monitoring visit is due. */
  monitoringMonths: readonly number[];
  /** Days after arrival by which the reintegration plan should be approved. */
  planDeadlineDays: number;
}

const reintegrationPackage: ProgrammeRules = {
  currency: 'EUR',
  categories: [
    { name: 'medical', limit: 150_000 },
    { name: 'housing', limit: 120_000 },
    { name: 'childcare', limit: 60_000 },
    { name: 'training', limit: 100_000 },
    { name: 'job_placement', limit: 60_000 },
    { name: 'business_startup', limit: 200_000 },
  ],
  monitoringMonths: [3, 6, 12],
  planDeadlineDays: 30,
};

const rulesByProgramme: Record<string, ProgrammeRules> = {
  CARE: reintegrationPackage,
  TACT: reintegrationPackage,
};

/** The programme's lifecycle rules, or undefined for a programme this deployment does not run. */
export const programmeRules = (programmeId: string): ProgrammeRules | undefined => rulesByProgramme[programmeId];
