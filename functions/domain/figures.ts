import type { CaseStatus } from '#events/case';
import { ageOn } from '#events/dates';
import type { Programme } from '#events/programme';
import { type AgeBand, ageBands, type FigureCells, type ProgrammeFigures } from '#events/programme-figures';
import { type ReasonCode, reasonCodes } from '#events/reason-codes';
import { sexes } from '#events/referral';

/**
 * Programme figures for coordinators and funders: places against the caps, broken down by host and
 * origin country, sex and age band. A count from 1 to 4 could single a person out, so it is
 * published as `null`; and where a breakdown would let it be worked out from its total and the
 * other cells (one hidden cell), the next smallest cell is hidden too.
 */
export const suppressionThreshold = 5;

/** The band of the age the person had on the day the referral was submitted. */
export const ageBandOf = (dateOfBirth: string, day: string): AgeBand => {
  const age = ageOn(dateOfBirth, day);
  if (age < 18) return 'under_18';
  if (age < 25) return '18_24';
  if (age < 35) return '25_34';
  if (age < 50) return '35_49';
  return '50_and_over';
};

export interface CaseFigureFacts {
  status: CaseStatus;
  hostCountry: string;
  originCountry: string;
  sex: string;
  ageBand: AgeBand;
  reasons: ReasonCode[];
  assessmentPlace: boolean;
  assistancePlace: boolean;
}

const measures = {
  /** Counted against the assessment cap. */
  assessed: (facts: CaseFigureFacts) => facts.assessmentPlace,
  /** Holding an assistance place (counted against the assistance cap). */
  assisted: (facts: CaseFigureFacts) => facts.assistancePlace,
  waitlisted: (facts: CaseFigureFacts) => facts.status === 'waitlisted',
  needsReview: (facts: CaseFigureFacts) => facts.status === 'needs_review',
  ineligible: (facts: CaseFigureFacts) => facts.status === 'ineligible',
} as const;
type Measure = keyof typeof measures;
const measureNames = Object.keys(measures) as Measure[];

/** A published count: `null` when withheld. */
type Cell = number | null;
type Cells = FigureCells;

const primarySuppressed = (count: number): boolean => count > 0 && count < suppressionThreshold;

const publish = (count: number): Cell => (primarySuppressed(count) ? null : count);

const countsOf = (facts: readonly CaseFigureFacts[]): Record<Measure, number> =>
  Object.fromEntries(measureNames.map((name) => [name, facts.filter(measures[name]).length])) as Record<Measure, number>;

/**
 * Cells of a breakdown whose categories split the cases between them, so that each measure's cells
 * add up to its total: complementary suppression keeps a single hidden cell from being derived.
 */
const breakdown = (
  facts: readonly CaseFigureFacts[],
  categoryOf: (facts: CaseFigureFacts) => string,
  categories: readonly string[]
): Record<string, Cells> => {
  const others = [...new Set(facts.map(categoryOf))].filter((category) => !categories.includes(category)).sort();
  const all = [...categories, ...others];
  const rows = all.map((category) => ({
    category,
    counts: countsOf(facts.filter((fact) => categoryOf(fact) === category)),
    hidden: new Set<Measure>(),
  }));
  const total = countsOf(facts);
  for (const measure of measureNames) {
    const primary = rows.filter((row) => primarySuppressed(row.counts[measure]));
    if (primary.length !== 1 || primarySuppressed(total[measure])) continue;
    const next = rows
      .filter((row) => !primary.includes(row) && row.counts[measure] > 0)
      .sort((a, b) => a.counts[measure] - b.counts[measure])[0];
    next?.hidden.add(measure);
  }
  return Object.fromEntries(
    rows.map((row) => [
      row.category,
      Object.fromEntries(measureNames.map((measure) => [measure, row.hidden.has(measure) ? null : publish(row.counts[measure])])) as Cells,
    ])
  );
};

export const programmeFigures = (programme: Programme, facts: readonly CaseFigureFacts[], asOf: Date): ProgrammeFigures => {
  const total = countsOf(facts);
  const ineligible = facts.filter(measures.ineligible);
  return {
    programmeId: programme.id,
    asOf: asOf.toISOString(),
    caps: programme.caps,
    suppression: {
      threshold: suppressionThreshold,
      rule: 'Counts from 1 to 4 are null, and so is the smallest other cell of a breakdown where one hidden cell could be worked out from the total.',
    },
    totals: Object.fromEntries(measureNames.map((measure) => [measure, publish(total[measure])])) as Cells,
    ineligibleByReason: Object.fromEntries(
      reasonCodes
        .map((code) => [code, ineligible.filter((fact) => fact.reasons.includes(code)).length] as const)
        .filter(([, count]) => count > 0)
        .map(([code, count]) => [code, publish(count)])
    ) as Partial<Record<ReasonCode, Cell>>,
    byHostCountry: breakdown(facts, (fact) => fact.hostCountry, programme.hostCountries),
    byOriginCountry: breakdown(facts, (fact) => fact.originCountry, programme.origin.countries ?? []),
    bySex: breakdown(facts, (fact) => fact.sex, sexes) as ProgrammeFigures['bySex'],
    byAgeBand: breakdown(facts, (fact) => fact.ageBand, ageBands) as ProgrammeFigures['byAgeBand'],
  };
};
