import type { CaseStatus } from '#events/case';
import type { Programme } from '#events/programme';
import type { FigureCells, ProgrammeFigures } from '#events/programme-figures';
import { sexes } from '#events/referral';
import { ageOn } from './dates.ts';
import { type ReasonCode, reasonCodes } from './reason-codes.ts';

/**
 * Programme figures for coordinators and funders: places against the caps, broken down by host and
 * origin country, sex and age band. A count from 1 to 4 could single a person out, so it is
 * published as `null`; and where a breakdown would let it be worked out from its total and the
 * other cells (one hidden cell), the next smallest cell is hidden too.
 */
export const suppressionThreshold = 5;

export const ageBands = ['under_18', '18_24', '25_34', '35_49', '50_and_over'] as const;
export type AgeBand = (typeof ageBands)[number];

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
  const counts = new Map(all.map((category) => [category, countsOf(facts.filter((fact) => categoryOf(fact) === category))]));
  const hidden = new Map(all.map((category) => [category, new Set<Measure>()]));
  const total = countsOf(facts);
  for (const measure of measureNames) {
    const primary = all.filter((category) => primarySuppressed(counts.get(category)![measure]));
    if (primary.length !== 1 || primarySuppressed(total[measure])) continue;
    const next = all
      .filter((category) => !primary.includes(category) && counts.get(category)![measure] > 0)
      .sort((a, b) => counts.get(a)![measure] - counts.get(b)![measure])[0];
    if (next !== undefined) hidden.get(next)!.add(measure);
  }
  return Object.fromEntries(
    all.map((category) => [
      category,
      Object.fromEntries(
        measureNames.map((measure) => [measure, hidden.get(category)!.has(measure) ? null : publish(counts.get(category)![measure])])
      ) as Cells,
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
