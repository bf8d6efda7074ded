import { documentClient } from '#adapters/dynamodb';
import { ProgrammeFigureRepository } from '#adapters/programme-figure-repository';
import { requiredEnv } from '#commons/env';
import { type ApiEvent, type ApiResult, apiRoute, json, type PartnerRequestContext, partnerWithRole } from '#commons/http';
import { notFound } from '#commons/problem';
import { stageProgrammes } from '#commons/programmes';
import { programmeFigures } from '#domain/figures';
import type { ProgrammeCatalogue } from '#domain/programmes';
import { programmeId } from '#events/primitives';
import { rolesFor } from '#events/routes';

/** `GET /v1/programmes/{id}/figures`: places against the caps and their breakdowns, small counts withheld. */
export interface FiguresDependencies {
  figures: ProgrammeFigureRepository;
  programmes: ProgrammeCatalogue;
}

export const createFiguresHandler = (dependencies: FiguresDependencies) => {
  const figures = async (event: ApiEvent): Promise<ApiResult> => {
    const id = programmeId.safeParse(event.pathParameters?.id);
    const programme = id.success ? dependencies.programmes.get(id.data) : undefined;
    if (programme === undefined) throw notFound('There is no programme with this id.');
    const facts = await dependencies.figures.programmeFigureFacts(programme.id);
    return json(200, programmeFigures(programme, facts, new Date()), { 'Cache-Control': 'no-store' });
  };

  return apiRoute<PartnerRequestContext>()
    .use(partnerWithRole(rolesFor('GET /v1/programmes/{id}/figures')))
    .handler(figures);
};

export const handler = createFiguresHandler({
  figures: new ProgrammeFigureRepository(documentClient, requiredEnv('CASES_TABLE_NAME')),
  programmes: stageProgrammes(),
});
