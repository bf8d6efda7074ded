import { describe, expect, it } from 'vitest';
import { isIsoCountryCode } from '../../events/countries.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { reasonCatalogue, reasonCodes } from '../../events/reason-codes.ts';
import { continents, countriesIn, isCountryInRegion, m49Code, worldRegions } from '../../events/world-regions.ts';
import { coversOriginCountry, programmeCatalogue } from '../../functions/domain/programmes.ts';

describe('reason codes', () => {
  it.each(reasonCodes)('%s has a one-line explanation in English and in French', (code) => {
    const { en, fr } = reasonCatalogue[code];
    for (const text of [en, fr]) {
      expect(text.length).toBeGreaterThan(20);
      expect(text).not.toMatch(/\n/);
      expect(text).toMatch(/\.$/);
    }
    expect(fr).not.toBe(en);
  });

  it('are SCREAMING_SNAKE_CASE and explained differently from each other', () => {
    for (const code of reasonCodes) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
    expect(new Set(reasonCodes.map((code) => reasonCatalogue[code].en)).size).toBe(reasonCodes.length);
  });
});

describe('UN M49 world regions', () => {
  const allIsoCodes = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].flatMap((first) =>
    [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((second) => `${first}${second}`).filter(isIsoCountryCode)
  );

  it('list only ISO 3166-1 codes', () => {
    for (const region of worldRegions)
      for (const country of countriesIn(region)) expect(isIsoCountryCode(country), `${region}: ${country}`).toBe(true);
  });

  it('put every country but Antarctica in exactly one continental region', () => {
    expect(allIsoCodes).toHaveLength(249);
    for (const country of allIsoCodes) {
      const regions = continents.filter((region) => isCountryInRegion(country, region));
      expect(regions, country).toHaveLength(country === 'AQ' ? 0 : 1);
    }
  });

  it('carry their M49 codes', () => {
    expect([m49Code('africa'), m49Code('asia'), m49Code('south_america'), m49Code('europe')]).toEqual(['002', '142', '005', '150']);
  });

  it.each([
    ['NG', 'africa'],
    ['MA', 'africa'],
    ['EG', 'africa'],
    ['BR', 'south_america'],
    ['AR', 'south_america'],
    ['VN', 'asia'],
    ['TR', 'asia'],
    ['AL', 'europe'],
    ['UA', 'europe'],
    ['MX', 'central_america'],
    ['US', 'northern_america'],
  ])('%s is in %s', (country, region) => {
    expect(isCountryInRegion(country, region as (typeof worldRegions)[number])).toBe(true);
  });

  it('South America is the M49 sub-region: Mexico and the Caribbean are not in it', () => {
    expect(isCountryInRegion('MX', 'south_america')).toBe(false);
    expect(isCountryInRegion('JM', 'south_america')).toBe(false);
    expect(isCountryInRegion('MX', 'latin_america_and_the_caribbean')).toBe(true);
  });
});

describe('the seeded programme definitions', () => {
  const definitions = Object.values(programmeDefinitionFiles).map((file) => programmeDefinitionSchema.parse(file));
  const byId = Object.fromEntries(definitions.map((definition) => [definition.id, definition]));

  it('carry the seed facts', () => {
    expect(byId.CARE).toMatchObject({
      hostCountries: ['AT', 'FR', 'PT', 'ES', 'GB'],
      origin: { regions: ['africa', 'asia', 'south_america'] },
      caps: { assessment: 260, assistance: 130 },
      fundingMonths: 24,
      acceptsMinors: false,
    });
    expect(byId.CARE!.reintegration.categories.map((item) => item.category)).toEqual(
      expect.arrayContaining(['medical', 'housing', 'childcare', 'training', 'job_placement', 'business_startup'])
    );
    expect(byId.TACT).toMatchObject({
      hostCountries: ['FR', 'GR', 'IT', 'PL', 'ES'],
      origin: { countries: ['AL', 'MA', 'UA'] },
      window: { opensOn: '2015-05-01', closesOn: '2016-10-31' },
      acceptsMinors: true,
    });
  });

  it('CARE covers every country of Africa, Asia and South America, and nothing in Europe', () => {
    const care = byId.CARE!;
    for (const region of ['africa', 'asia', 'south_america'] as const) {
      for (const country of countriesIn(region)) expect(coversOriginCountry(care, country)).toBe(true);
    }
    for (const country of countriesIn('europe')) expect(coversOriginCountry(care, country)).toBe(false);
  });

  it('a stage window overrides the definition’s; a programme with no window anywhere cannot run', () => {
    const catalogue = programmeCatalogue(definitions, { TACT: { opensOn: '2026-11-01' }, CARE: { opensOn: '2026-11-01' } });
    expect(catalogue.get('TACT')!.window).toEqual({ opensOn: '2026-11-01' });
    expect(programmeCatalogue(definitions, { CARE: { opensOn: '2026-11-01' } }).get('TACT')!.window.closesOn).toBe('2016-10-31');
    expect(() => programmeCatalogue(definitions, {})).toThrow(/programme CARE has no open window/);
  });
});
