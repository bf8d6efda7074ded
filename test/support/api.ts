import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { PartnerItem } from '../../events/partner.ts';
import type { Role } from '../../events/primitives.ts';
import { authorizerEvent, type HttpRequest, httpApiEvent, lambdaContext } from '../../events/samples/http-api.ts';

/**
 * Calls route handlers in-process the way HTTP API would: a request without an Authorization header
 * is refused before the authorizer runs; otherwise the authorizer's context is handed to the route.
 * Handlers are imported lazily, after the integration setup pointed the SDK at the emulators.
 */
type Handler = (event: any, context: any) => Promise<any>;

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: string;
}

export const callRoute = async (route: Handler, request: HttpRequest): Promise<Response> => {
  const { handler: authorize } = (await import('../../functions/authorizer.ts')) as { handler: Handler };
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

/** A route without the authorizer (public routes). */
export const callPublicRoute = (route: Handler, request: HttpRequest): Promise<Response> => invoke(route, request, {});

/** The handler serving a route of the route table. */
export const routeHandler = async (handler: string): Promise<Handler> =>
  ((await import(`../../functions/${handler}.ts`)) as { handler: Handler }).handler;

const invoke = async (route: Handler, request: HttpRequest, authorizerContext: object): Promise<Response> => {
  const result = (await route(httpApiEvent(request, authorizerContext), lambdaContext('Route'))) as APIGatewayProxyStructuredResultV2;
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
