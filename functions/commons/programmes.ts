import { type ProgrammeCatalogue, programmeCatalogue } from '#domain/programmes';
import { programmeDefinitionSchema, programmeWindowsSchema } from '#events/programme';
import { programmeDefinitionFiles } from '#events/programmes/index';
import { requiredEnv } from './env.ts';

/**
 * The programmes of this stage: the definitions are bundled into the function (they change with a
 * deploy, and were validated at synth), the stage's windows come from `PROGRAMME_WINDOWS`, a few
 * dozen bytes of JSON the stack computes from cdk.json. Parsed once per execution environment.
 */
export const stageProgrammes = (): ProgrammeCatalogue =>
  programmeCatalogue(
    Object.values(programmeDefinitionFiles).map((definition) => programmeDefinitionSchema.parse(definition)),
    programmeWindowsSchema.parse(JSON.parse(requiredEnv('PROGRAMME_WINDOWS')))
  );
