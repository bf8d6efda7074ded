import { type ProgrammeCatalogue, programmeCatalogue } from '#domain/programmes';
import { type ProgrammeDefinition, programmeDefinitionSchema, programmeWindowsSchema } from '#events/programme';
import { programmeDefinitionFiles } from '#events/programmes/index';
import { requiredEnv } from './env.ts';

const parsedDefinitions = (): ProgrammeDefinition[] =>
  Object.values(programmeDefinitionFiles).map((definition) => programmeDefinitionSchema.parse(definition));

/**
 * The programmes of this stage: the definitions are bundled into the function (they change with a
 * deploy, and were validated at synth), the stage's windows come from `PROGRAMME_WINDOWS`, a few
 * dozen bytes of JSON the stack computes from cdk.json. Parsed once per execution environment.
 */
export const stageProgrammes = (): ProgrammeCatalogue =>
  programmeCatalogue(parsedDefinitions(), programmeWindowsSchema.parse(JSON.parse(requiredEnv('PROGRAMME_WINDOWS'))));

/**
 * The bundled definitions by programme id, without the stage's windows: a case already admitted
 * keeps its reintegration budget and monitoring schedule whether or not the programme still takes
 * referrals, so the lifecycle functions need no `PROGRAMME_WINDOWS`.
 */
export const programmeDefinitions = (): ReadonlyMap<string, ProgrammeDefinition> =>
  new Map(parsedDefinitions().map((definition) => [definition.id, definition]));
