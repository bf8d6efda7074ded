import type { Programme, ProgrammeDefinition, ProgrammeWindow, ProgrammeWindows } from '#events/programme';
import { isCountryInRegion } from '#events/world-regions';

/** The programmes a stage runs: each definition with the window of that stage. */
export interface ProgrammeCatalogue {
  get(programmeId: string): Programme | undefined;
  all(): Programme[];
}

export class ProgrammeConfigurationError extends Error {
  override name = 'ProgrammeConfigurationError';
}

/**
 * A stage's window overrides the definition's own; a programme with neither cannot run, which
 * synthesis already refuses, so meeting one here means the function was deployed by hand.
 */
export const programmeCatalogue = (definitions: readonly ProgrammeDefinition[], windows: ProgrammeWindows = {}): ProgrammeCatalogue => {
  const programmes = new Map<string, Programme>();
  for (const definition of definitions) {
    const window: ProgrammeWindow | undefined = windows[definition.id] ?? definition.window;
    if (window === undefined) {
      throw new ProgrammeConfigurationError(`programme ${definition.id} has no open window in this stage`);
    }
    programmes.set(definition.id, { ...definition, window });
  }
  return {
    get: (programmeId) => programmes.get(programmeId),
    all: () => [...programmes.values()],
  };
};

export const coversHostCountry = (programme: ProgrammeDefinition, country: string): boolean => programme.hostCountries.includes(country);

export const coversOriginCountry = (programme: ProgrammeDefinition, country: string): boolean =>
  (programme.origin.countries ?? []).includes(country) ||
  (programme.origin.regions ?? []).some((region) => isCountryInRegion(country, region));

/** Whether the programme takes referrals submitted on `day` (YYYY-MM-DD); both ends inclusive. */
export const isOpenOn = (window: ProgrammeWindow, day: string): boolean =>
  day >= window.opensOn && (window.closesOn === undefined || day <= window.closesOn);

/** What the life of an admitted case needs of its programme: the reintegration budget and the monitoring schedule. */
export type LifecycleRules = Pick<ProgrammeDefinition, 'reintegration' | 'monitoring'>;
