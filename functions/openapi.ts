import { type ApiResult, apiRoute, json } from '#commons/http';
import { buildOpenApiDocument } from '#commons/openapi';

/** Built once per execution environment: the document only changes with a deployment. */
const document = buildOpenApiDocument();

const openApi = async (): Promise<ApiResult> => json(200, document, { 'Cache-Control': 'public, max-age=300' });

export const handler = apiRoute().handler(openApi);
