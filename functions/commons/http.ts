import middy, { type MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { InvalidCursorError } from '#adapters/cursor';
import type { AuthorizerContext } from '#events/partner';
import type { Role } from '#events/primitives';
import { type ApiRoute, apiRoutes, routeKeyOf } from '#events/routes';
import { logger, observed } from './powertools.ts';
import {
  forbidden,
  internalError,
  invalidCursor,
  invalidRequest,
  ProblemError,
  payloadTooLarge,
  unauthenticated,
  unsupportedMediaType,
} from './problem.ts';
import { fieldErrors } from './schema-errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

export interface Partner {
  partnerId: string;
  roles: Role[];
  country: string;
}

export interface PartnerRequestContext extends Context {
  partner: Partner;
}

export const maxBodyBytes = 64 * 1024;

/**
 * The middleware every HTTP route starts with. middy runs `onError` in reverse order, so
 * httpErrorHandler, registered first, is the last to act: by then `problemDetails` has turned any
 * error into a ProblemError, which httpErrorHandler renders as the response.
 */
export const apiRoute = <TContext extends Context = Context>() =>
  middy<ApiEvent, ApiResult, Error, TContext>()
    .use(httpErrorHandler({ logger: false }))
    .use(observed())
    .use(problemDetails());

/** Maps every error to a problem document and logs it without its message, which could carry input. */
const problemDetails = (): MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: (request) => {
    const error = request.error;
    if (error instanceof InvalidCursorError) request.error = invalidCursor();
    if (request.error instanceof ProblemError) {
      const problem = request.error;
      logger.info('request refused', {
        status: problem.statusCode,
        problem: problem.problem.type,
        fields: problem.problem.errors?.map((fieldError) => fieldError.path),
      });
      return;
    }
    logger.error('request failed', { errorName: error?.name, stack: stackWithoutMessage(error) });
    request.error = internalError(takesIdempotencyKey(request.event));
  },
});

/** Whether the request came by a route that takes an Idempotency-Key, so that a retry should repeat it. */
const takesIdempotencyKey = (event: ApiEvent): boolean => {
  const routeKey = event.requestContext?.routeKey;
  return apiRoutes.some((route: ApiRoute) => route.idempotencyKey === 'required' && routeKeyOf(route) === routeKey);
};

/** The frames of a stack without its first line, which repeats the message. */
const stackWithoutMessage = (error: Error | null | undefined): string | undefined => error?.stack?.split('\n').slice(1).join('\n');

/**
 * Requires a partner recognised by the authorizer (401 otherwise) holding one of the roles
 * (403 otherwise), and puts it on the context for the handler.
 */
export const partnerWithRole = (allowedRoles: readonly Role[]): MiddlewareObj<ApiEvent, ApiResult, Error, PartnerRequestContext> => ({
  before: (request) => {
    const authorizer = request.event.requestContext.authorizer?.lambda;
    if (authorizer?.partnerId === undefined || authorizer.country === undefined) throw unauthenticated();
    const roles = (authorizer.roles ?? '').split(',').filter(Boolean) as Role[];
    if (!roles.some((role) => allowedRoles.includes(role))) {
      throw forbidden(`This route is for partners with the role ${allowedRoles.join(' or ')}.`);
    }
    request.context.partner = { partnerId: authorizer.partnerId, roles, country: authorizer.country };
  },
});

/** Requires an `Idempotency-Key` of 1 to 128 printable ASCII characters. */
export const idempotencyKeyRequired = (): MiddlewareObj<ApiEvent, ApiResult> => ({
  before: (request) => {
    const key = request.event.headers['idempotency-key'];
    if (key === undefined) {
      throw invalidRequest('This route needs an Idempotency-Key header so that a retry never creates a second record.', [
        { path: 'headers.Idempotency-Key', message: 'is required' },
      ]);
    }
    if (!/^[\x21-\x7e]{1,128}$/.test(key)) {
      throw invalidRequest('The Idempotency-Key header is not valid.', [
        { path: 'headers.Idempotency-Key', message: 'must be 1 to 128 printable characters' },
      ]);
    }
  },
});

/** Parses the query string against a schema, or throws a 400 naming each parameter. */
export const parseQuery = <Schema extends z.ZodMiniType>(event: ApiEvent, schema: Schema): z.infer<Schema> => {
  const query = event.queryStringParameters ?? {};
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues, query).map((error) => ({ ...error, path: `query.${error.path}` }));
    throw invalidRequest('The query string is not valid; see errors.', errors);
  }
  return parsed.data;
};

/** Parses a JSON body against a schema, or throws the 400/413/415 problem that says what is wrong. */
export const parseJsonBody = <Schema extends z.ZodMiniType>(event: ApiEvent, schema: Schema): z.infer<Schema> => {
  const contentType = event.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') throw unsupportedMediaType();
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  if (Buffer.byteLength(raw, 'utf8') > maxBodyBytes) throw payloadTooLarge(maxBodyBytes);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidRequest('The body is not valid JSON.');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw invalidRequest('The body does not match the contract; see errors.', fieldErrors(parsed.error.issues, json));
  }
  return parsed.data;
};

export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
