import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import type { AuthorizerContext } from '../partner.ts';

/**
 * HTTP API (payload format 2.0) events as API Gateway sends them, for tests and local invocation:
 * lower-cased headers, `rawPath`, `routeKey`, `requestContext.http`, the authorizer's context.
 */

export interface HttpRequest {
  method: string;
  /** The route as declared, e.g. `/v1/referrals/{id}`. */
  route: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  queryString?: string;
}

const rawPathOf = (route: string, parameters: Record<string, string> = {}): string =>
  route.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(parameters[name] ?? ''));

const lowerCased = (headers: Record<string, string> = {}): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

export const authorizerEvent = (request: HttpRequest): APIGatewayRequestAuthorizerEventV2 => {
  const headers = lowerCased(request.headers);
  const base = httpApiEvent(request, {});
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-3:000000000000:local/$default/${request.method}${rawPathOf(request.route, request.pathParameters)}`,
    identitySource: headers.authorization === undefined ? [] : [headers.authorization],
    routeKey: base.routeKey,
    rawPath: base.rawPath,
    rawQueryString: base.rawQueryString,
    cookies: [],
    headers,
    queryStringParameters: base.queryStringParameters ?? {},
    requestContext: base.requestContext as unknown as APIGatewayRequestAuthorizerEventV2['requestContext'],
    pathParameters: base.pathParameters ?? {},
    stageVariables: {},
  };
};

export const httpApiEvent = (
  request: HttpRequest,
  authorizer: AuthorizerContext
): APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext> => {
  const rawPath = rawPathOf(request.route, request.pathParameters);
  const rawQueryString = request.queryString ?? '';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${request.method} ${request.route}`,
    rawPath,
    rawQueryString,
    headers: { host: 'api.local', 'user-agent': 'partner-system/1.0', ...lowerCased(request.headers) },
    queryStringParameters: rawQueryString ? Object.fromEntries(new URLSearchParams(rawQueryString)) : undefined,
    pathParameters: request.pathParameters,
    body: request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.local',
      domainPrefix: 'api',
      http: { method: request.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'partner-system/1.0' },
      requestId: randomUUID(),
      routeKey: `${request.method} ${request.route}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { lambda: authorizer },
    },
  };
};

/** A Lambda context for invoking a handler in-process. */
export const lambdaContext = (functionName: string, timeoutMs = 10_000): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-3:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};
