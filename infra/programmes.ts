import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ProgrammeDefinition, type ProgrammeWindows, programmeDefinitionSchema } from '../events/programme.ts';
import { programmeDefinitionFiles } from '../events/programmes/index.ts';
import { fieldErrors } from '../functions/commons/schema-errors.ts';
import { type StageConfig, StageConfigError } from './config.ts';
import { projectRoot } from './constructs/house-function.ts';

/** A programme definition or window that must not deploy; `cdk synth` stops with this one line. */
export class ProgrammeDefinitionError extends StageConfigError {
  override name = 'ProgrammeDefinitionError';
}

export interface StageProgrammes {
  definitions: ProgrammeDefinition[];
  /** The window each programme runs with in this stage (what the functions get as PROGRAMME_WINDOWS). */
  windows: ProgrammeWindows;
}

const defaultDirectory = join(projectRoot, 'events', 'programmes');

/**
 * Reads and validates every `events/programmes/*.json` and resolves each programme's window for
 * the stage (the stage's `programmeWindows` over the definition's own `window`). Anything wrong
 * stops synthesis with a message naming the file and the field.
 */
export const loadStageProgrammes = (
  config: StageConfig,
  options: { directory?: string; registered?: Record<string, unknown> } = {}
): StageProgrammes => {
  const directory = options.directory ?? defaultDirectory;
  const registered = options.registered ?? programmeDefinitionFiles;
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort();
  const where = (file: string) => `events/programmes/${file}`;

  const definitions = files.map((file) => {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(directory, file), 'utf8'));
    } catch {
      throw new ProgrammeDefinitionError(`Invalid programme definition ${where(file)}: not valid JSON`);
    }
    const parsed = programmeDefinitionSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = fieldErrors(parsed.error.issues, raw).map(({ path, message }) => `${path}: ${message}`);
      throw new ProgrammeDefinitionError(`Invalid programme definition ${where(file)}: ${problems.join('; ')}`);
    }
    if (file !== `${parsed.data.id.toLowerCase()}.json`) {
      throw new ProgrammeDefinitionError(
        `Invalid programme definition ${where(file)}: id: must match the file name (${parsed.data.id.toLowerCase()}.json)`
      );
    }
    return parsed.data;
  });

  const unlisted = files.filter((file) => !(file in registered));
  const missing = Object.keys(registered).filter((file) => !files.includes(file));
  if (unlisted.length > 0 || missing.length > 0) {
    const problems = [...unlisted.map((file) => `${file} is not listed`), ...missing.map((file) => `${file} is listed but has no file`)];
    throw new ProgrammeDefinitionError(`events/programmes/index.ts must list every definition: ${problems.join('; ')}`);
  }

  const stageKey = `stages.${config.stage}.programmeWindows`;
  for (const programmeId of Object.keys(config.programmeWindows)) {
    if (!definitions.some((definition) => definition.id === programmeId)) {
      throw new ProgrammeDefinitionError(`Invalid stage configuration: ${stageKey}.${programmeId}: there is no such programme`);
    }
  }
  const windows: ProgrammeWindows = {};
  for (const definition of definitions) {
    const window = config.programmeWindows[definition.id] ?? definition.window;
    if (window === undefined) {
      throw new ProgrammeDefinitionError(
        `Programme ${definition.id} has no window in stage ${config.stage}: set ${stageKey}.${definition.id} in cdk.json or window in ${where(`${definition.id.toLowerCase()}.json`)}`
      );
    }
    windows[definition.id] = window;
  }
  return { definitions, windows };
};
