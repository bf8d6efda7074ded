import { describe, expect, it } from 'vitest';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { ageBandOf, type CaseFigureFacts, programmeFigures } from '../../functions/domain/figures.ts';

const care = { ...programmeDefinitionSchema.parse(programmeDefinitionFiles['care.json']), window: { opensOn: '2026-11-01' } };

const fact = (changes: Partial<CaseFigureFacts> = {}): CaseFigureFacts => ({
  status: 'eligible',
  hostCountry: 'ES',
  originCountry: 'NG',
  sex: 'female',
  ageBand: '25_34',
  reasons: [],
  assessmentPlace: true,
  assistancePlace: true,
  ...changes,
});
const many = (count: number, changes: Partial<CaseFigureFacts> = {}) => Array.from({ length: count }, () => fact(changes));
const now = new Date('2026-11-23T10:00:00Z');

describe('age bands', () => {
  it.each([
    ['2009-11-24', 'under_18'],
    ['2008-11-23', '18_24'],
    ['2001-11-24', '18_24'],
    ['2001-11-23', '25_34'],
    ['1991-11-23', '35_49'],
    ['1976-11-23', '50_and_over'],
  ])('born %s is %s on 2026-11-23', (dateOfBirth, band) => {
    expect(ageBandOf(dateOfBirth, '2026-11-23')).toBe(band);
  });
});

describe('programme figures', () => {
  it('count places against the caps', () => {
    const figures = programmeFigures(
      care,
      [
        ...many(12),
        ...many(6, { status: 'waitlisted', assistancePlace: false }),
        ...many(5, { status: 'needs_review', assistancePlace: true, reasons: ['PRESUMED_VICTIM_REVIEW'] }),
        ...many(7, { status: 'ineligible', assessmentPlace: false, assistancePlace: false, reasons: ['ORIGIN_COUNTRY_NOT_COVERED'] }),
      ],
      now
    );
    expect(figures.caps).toEqual({ assessment: 260, assistance: 130 });
    expect(figures.totals).toEqual({ assessed: 23, assisted: 17, waitlisted: 6, needsReview: 5, ineligible: 7 });
    expect(figures.ineligibleByReason).toEqual({ ORIGIN_COUNTRY_NOT_COVERED: 7 });
    expect(figures.asOf).toBe(now.toISOString());
  });

  it('withhold every count from 1 to 4, totals included, and keep zeros', () => {
    const figures = programmeFigures(
      care,
      [
        ...many(3),
        ...many(2, { status: 'ineligible', assessmentPlace: false, assistancePlace: false, reasons: ['HOST_COUNTRY_NOT_COVERED'] }),
      ],
      now
    );
    expect(figures.totals).toEqual({ assessed: null, assisted: null, waitlisted: 0, needsReview: 0, ineligible: null });
    expect(figures.ineligibleByReason).toEqual({ HOST_COUNTRY_NOT_COVERED: null });
    expect(figures.bySex.male).toEqual({ assessed: 0, assisted: 0, waitlisted: 0, needsReview: 0, ineligible: 0 });
  });

  it('hide a second cell where a single hidden one could be worked out from the total', () => {
    // 20 assisted: 12 women, 6 men, 2 other. "other" is withheld, and 20 - 12 - 6 would give it
    // away, so the next smallest cell (men) is withheld too.
    const figures = programmeFigures(care, [...many(12), ...many(6, { sex: 'male' }), ...many(2, { sex: 'other' })], now);
    expect(figures.totals.assisted).toBe(20);
    expect(figures.bySex).toMatchObject({
      female: { assisted: 12 },
      male: { assisted: null },
      other: { assisted: null },
    });
  });

  it('need no second hidden cell when two are already hidden', () => {
    const figures = programmeFigures(
      care,
      [...many(12, { hostCountry: 'FR' }), ...many(3, { hostCountry: 'AT' }), ...many(2, { hostCountry: 'GB' })],
      now
    );
    expect(figures.byHostCountry).toMatchObject({
      FR: { assessed: 12 },
      AT: { assessed: null },
      GB: { assessed: null },
      ES: { assessed: 0 },
      PT: { assessed: 0 },
    });
  });

  it('break down by host country, origin country, sex and age band', () => {
    const figures = programmeFigures(
      care,
      [...many(6, { originCountry: 'BR', ageBand: '18_24' }), ...many(5, { originCountry: 'VN', sex: 'male' })],
      now
    );
    expect(Object.keys(figures.byHostCountry)).toEqual(['AT', 'FR', 'PT', 'ES', 'GB']);
    expect(figures.byOriginCountry).toMatchObject({ BR: { assisted: 6 }, VN: { assisted: 5 } });
    expect(figures.bySex).toMatchObject({ female: { assisted: 6 }, male: { assisted: 5 }, other: { assisted: 0 } });
    expect(Object.keys(figures.byAgeBand)).toEqual(['under_18', '18_24', '25_34', '35_49', '50_and_over']);
    expect(figures.byAgeBand).toMatchObject({ '18_24': { assisted: 6 }, '25_34': { assisted: 5 } });
  });
});
