import care from './care.json' with { type: 'json' };
import tact from './tact.json' with { type: 'json' };

/**
 * Every programme definition file, by file name. The functions bundle them from here; synthesis
 * checks that this list and the JSON files in this folder are the same, so a new file that is not
 * listed here stops `cdk synth` instead of silently not deploying.
 */
export const programmeDefinitionFiles: Record<string, unknown> = {
  'care.json': care,
  'tact.json': tact,
};
