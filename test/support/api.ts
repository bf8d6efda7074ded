import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PartnerItem } from '../../events/partner.ts';
import type { Role } from '../../events/primitives.ts';
import { type ApiRoute, apiRoutes, type RouteKey, routeKeyOf } from '../../events/routes.ts';
import { authorizerEvent, type HttpRequest, httpApiEvent, lambdaContext } from '../../events/samples/http-api.ts';
import type { Json } from './json.ts';

/**
 * The one way tests call the API: a route of the route table (events/routes.ts), in-process, the way
 * HTTP API would. A request without an Authorization header is refused before the authorizer runs;
 * otherwise the authorizer's context is handed to the route. Handlers are imported lazily, after the
 * integration setup pointed the SDK at the emulators.
 */
type Handler = (event: never, context: never) => Promise<unknown>;
/** How a handler is invoked: the event and context built here fit whichever handler it is. */
const invokeHandler = (handler: Handler, event: unknown, context: unknown) =>
  (handler as (event: unknown, context: unknown) => Promise<unknown>)(event, context);

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: Json;
  raw: string;
}

export interface ApiCall {
  /** The calling partner's key; without one, the request carries no Authorization header. */
  key?: string;
  /** The `{id}` path parameter. */
  id?: string;
  /** The `{deliveryId}` path parameter (a webhook delivery). */
  deliveryId?: string;
  /** Sent as JSON with a fresh Idempotency-Key; a string is sent as it is (malformed bodies). */
  body?: unknown;
  /** The raw query string, e.g. `status=lost&limit=2`. */
  query?: string;
  /** Headers over the defaults; `undefined` leaves a default header out. */
  headers?: Record<string, string | undefined>;
  /** A handler wired with the test's own dependencies, in place of the route's module. */
  handler?: Handler;
}

export const api = {
  /** Calls a route of the route table, as the partner holding `request.key` (public routes skip the authorizer). */
  async call(routeKey: RouteKey, request: ApiCall = {}): Promise<Response> {
    const route = routeOf(routeKey);
    const hasBody = request.body !== undefined;
    const headers = {
      ...(request.key === undefined ? {} : bearer(request.key)),
      ...(hasBody ? { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() } : {}),
      ...request.headers,
    };
    const httpRequest: HttpRequest = {
      method: route.method,
      route: route.path,
      pathParameters:
        request.id === undefined
          ? undefined
          : { id: request.id, ...(request.deliveryId === undefined ? {} : { deliveryId: request.deliveryId }) },
      queryString: request.query,
      headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      body: hasBody ? (typeof request.body === 'string' ? request.body : JSON.stringify(request.body)) : undefined,
    };
    const handler = request.handler ?? (await routeHandler(route.handler));
    return route.permission === 'public' ? invoke(handler, httpRequest, {}) : authorizeAndInvoke(handler, httpRequest);
  },
};

const routeOf = (routeKey: RouteKey): ApiRoute => {
  const route = apiRoutes.find((candidate) => routeKeyOf(candidate) === routeKey);
  if (route === undefined) throw new Error(`${routeKey} is not in the route table`);
  return route;
};

const routeHandler = async (handler: string): Promise<Handler> =>
  ((await import(`../../functions/${handler}.ts`)) as { handler: Handler }).handler;

const authorizeAndInvoke = async (route: Handler, request: HttpRequest): Promise<Response> => {
  const { handler: authorize } = (await import('../../functions/authorizer.ts')) as {
    handler: (event: unknown, context: unknown) => Promise<{ isAuthorized: boolean; context?: object }>;
  };
  const authorization = Object.entries(request.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  if (authorization === undefined) {
    return { status: 401, headers: {}, body: { message: 'Unauthorized' }, raw: '{"message":"Unauthorized"}' };
  }
  const decision = await authorize(authorizerEvent(request), lambdaContext('Authorizer'));
  if (!decision.isAuthorized) {
    return { status: 403, headers: {}, body: { message: 'Forbidden' }, raw: '{"message":"Forbidden"}' };
  }
  return invoke(route, request, decision.context ?? {});
};

const invoke = async (route: Handler, request: HttpRequest, authorizerContext: object): Promise<Response> => {
  const result = (await invokeHandler(
    route,
    httpApiEvent(request, authorizerContext),
    lambdaContext('Route')
  )) as APIGatewayProxyStructuredResultV2;
  const raw = typeof result.body === 'string' ? result.body : '';
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  // Bodies in another media type (a CSV export) are left in `raw`.
  const isJson = /json/.test(headers['content-type'] ?? 'application/json');
  return { status: result.statusCode ?? 200, headers, body: raw && isJson ? JSON.parse(raw) : undefined, raw };
};

/** Registers a partner in the partners table and returns it with its key (shown once, stored hashed). */
export const registerPartner = async (
  roles: Role[],
  country: string,
  status: PartnerItem['status'] = 'active',
  extra: Partial<Pick<PartnerItem, 'programmes' | 'language' | 'emails'>> = {}
): Promise<PartnerItem & { key: string }> => {
  const { PartnerRepository } = await import('../../functions/adapters/partner-repository.ts');
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  const { generatePartnerKey, hashPartnerKey } = await import('../../functions/domain/partner-key.ts');
  const key = generatePartnerKey();
  const partnerId = `${roles[0]}-${country.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const partner: PartnerItem = {
    partnerId,
    name: `Test ${roles.join('/')} in ${country}`,
    roles,
    country,
    language: 'en',
    // A mailbox of its own, so emails to different partners are told apart in the inbox.
    emails: [`casework.${partnerId}@partner.example.org`],
    status,
    keyHash: hashPartnerKey(key),
    keyCreatedAt: new Date().toISOString(),
    ...extra,
  };
  await new PartnerRepository(documentClient, process.env.PARTNERS_TABLE_NAME!).save(partner);
  return { ...partner, key };
};

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
