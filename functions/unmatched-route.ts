import { type ApiEvent, type ApiResult, apiRoute } from '#commons/http';
import { methodNotAllowed, notFound } from '#commons/problem';
import { methodsAt } from '#events/routes';

/**
 * The `$default` route: API Gateway sends here every request no route matches, so the answer is a
 * 404 when no route has the path and a 405 naming the methods it has otherwise. It reads nothing.
 */
const unmatchedRoute = async (event: ApiEvent): Promise<ApiResult> => {
  const allowed = methodsAt(event.rawPath);
  // A method the path has cannot reach this route through API Gateway; it is still no route here.
  if (allowed.length === 0 || allowed.some((method) => method === event.requestContext.http.method)) {
    throw notFound('No route has this path; the routes are listed at /v1/openapi.json.');
  }
  throw methodNotAllowed(allowed);
};

export const handler = apiRoute().handler(unmatchedRoute);
