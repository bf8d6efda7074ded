import { type ApiResult, apiRoute, json } from '#commons/http';

/** Public liveness check: answers without touching any data, so it never reveals anything. */
const health = async (): Promise<ApiResult> => json(200, { status: 'ok' });

export const handler = apiRoute().handler(health);
