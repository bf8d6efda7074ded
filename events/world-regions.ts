/**
 * World regions as the UN Statistics Division's M49 standard defines them, as data, so that a
 * programme can cover "Africa, Asia and South America" without listing 140 countries. Each
 * sub-region lists ISO 3166-1 alpha-2 codes; regions are unions of sub-regions.
 *
 * M49 does not list Taiwan separately; ISO 3166-1 does (TW), and it is placed in Eastern Asia here
 * so that every ISO code but Antarctica (AQ, outside every region) belongs to exactly one region.
 */
const subRegions = {
  northern_africa: { m49: '015', countries: 'DZ EG EH LY MA SD TN' },
  eastern_africa: {
    m49: '014',
    countries: 'BI DJ ER ET IO KE KM MG MU MW MZ RE RW SC SO SS TF TZ UG YT ZM ZW',
  },
  middle_africa: { m49: '017', countries: 'AO CD CF CG CM GA GQ ST TD' },
  southern_africa: { m49: '018', countries: 'BW LS NA SZ ZA' },
  western_africa: { m49: '011', countries: 'BF BJ CI CV GH GM GN GW LR ML MR NE NG SH SL SN TG' },
  caribbean: {
    m49: '029',
    countries: 'AG AI AW BB BL BQ BS CU CW DM DO GD GP HT JM KN KY LC MF MQ MS PR SX TC TT VC VG VI',
  },
  central_america: { m49: '013', countries: 'BZ CR GT HN MX NI PA SV' },
  south_america: { m49: '005', countries: 'AR BO BR BV CL CO EC FK GF GS GY PE PY SR UY VE' },
  northern_america: { m49: '021', countries: 'BM CA GL PM US' },
  central_asia: { m49: '143', countries: 'KG KZ TJ TM UZ' },
  eastern_asia: { m49: '030', countries: 'CN HK JP KP KR MN MO TW' },
  south_eastern_asia: { m49: '035', countries: 'BN ID KH LA MM MY PH SG TH TL VN' },
  southern_asia: { m49: '034', countries: 'AF BD BT IN IR LK MV NP PK' },
  western_asia: { m49: '145', countries: 'AE AM AZ BH CY GE IL IQ JO KW LB OM PS QA SA SY TR YE' },
  eastern_europe: { m49: '151', countries: 'BG BY CZ HU MD PL RO RU SK UA' },
  northern_europe: { m49: '154', countries: 'AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ' },
  southern_europe: { m49: '039', countries: 'AD AL BA ES GI GR HR IT ME MK MT PT RS SI SM VA' },
  western_europe: { m49: '155', countries: 'AT BE CH DE FR LI LU MC NL' },
  australia_and_new_zealand: { m49: '053', countries: 'AU CC CX HM NF NZ' },
  melanesia: { m49: '054', countries: 'FJ NC PG SB VU' },
  micronesia: { m49: '057', countries: 'FM GU KI MH MP NR PW UM' },
  polynesia: { m49: '061', countries: 'AS CK NU PF PN TK TO TV WF WS' },
} as const;

type SubRegion = keyof typeof subRegions;

const compositeRegions = {
  africa: { m49: '002', parts: ['northern_africa', 'eastern_africa', 'middle_africa', 'southern_africa', 'western_africa'] },
  sub_saharan_africa: { m49: '202', parts: ['eastern_africa', 'middle_africa', 'southern_africa', 'western_africa'] },
  americas: { m49: '019', parts: ['caribbean', 'central_america', 'south_america', 'northern_america'] },
  latin_america_and_the_caribbean: { m49: '419', parts: ['caribbean', 'central_america', 'south_america'] },
  asia: { m49: '142', parts: ['central_asia', 'eastern_asia', 'south_eastern_asia', 'southern_asia', 'western_asia'] },
  europe: { m49: '150', parts: ['eastern_europe', 'northern_europe', 'southern_europe', 'western_europe'] },
  oceania: { m49: '009', parts: ['australia_and_new_zealand', 'melanesia', 'micronesia', 'polynesia'] },
} as const satisfies Record<string, { m49: string; parts: readonly SubRegion[] }>;

export const worldRegions = [
  ...(Object.keys(compositeRegions) as (keyof typeof compositeRegions)[]),
  ...(Object.keys(subRegions) as SubRegion[]),
] as const;
export type WorldRegion = (typeof worldRegions)[number];

/** The five continental regions: together they hold every country but Antarctica exactly once. */
export const continents = ['africa', 'americas', 'asia', 'europe', 'oceania'] as const satisfies readonly WorldRegion[];

const membersOf = (region: WorldRegion): ReadonlySet<string> => {
  const parts: readonly SubRegion[] =
    region in compositeRegions ? compositeRegions[region as keyof typeof compositeRegions].parts : [region as SubRegion];
  return new Set(parts.flatMap((part) => subRegions[part].countries.split(' ')));
};

const members = new Map<WorldRegion, ReadonlySet<string>>(worldRegions.map((region) => [region, membersOf(region)]));

export const countriesIn = (region: WorldRegion): ReadonlySet<string> => members.get(region) ?? new Set();

export const isCountryInRegion = (country: string, region: WorldRegion): boolean => countriesIn(region).has(country);

export const m49Code = (region: WorldRegion): string =>
  region in compositeRegions ? compositeRegions[region as keyof typeof compositeRegions].m49 : subRegions[region as SubRegion].m49;
