import type { IncomingMessage } from 'node:http';
import type { HttpApiConfig, RouteConfig } from './http-api-config.ts';
import { isRecord, localAccountId, localRegion } from './template.ts';

/** Payload format 2.0 request event, as HTTP API sends it to integrations. */
export type HttpApiEvent = Record<string, unknown> & { requestContext: Record<string, unknown> };

const TextContent = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

/** The result of an HTTP API Lambda integration, turned into an HTTP response. */
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export interface EventInput {
  config: HttpApiConfig;
  route: RouteConfig;
  request: IncomingMessage;
  requestId: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  body: Buffer;
}

/**
 * The payload format 2.0 event of a request, as API Gateway builds it: cookies apart, repeated
 * headers and query parameters joined with commas, a body that is not text in base64.
 */
export function buildEvent(input: EventInput): HttpApiEvent {
  const { config, route, request, requestId, rawPath, rawQueryString, pathParameters, body } = input;
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = [value]
        .flat()
        .flatMap((cookie) => cookie.split(';'))
        .map((cookie) => cookie.trim())
        .filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query = new URLSearchParams(rawQueryString);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(',');
  const now = new Date();
  const host = headers.host ?? 'localhost';
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TextContent.test(contentType);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    requestContext: {
      accountId: localAccountId,
      apiId: config.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: {
        method: (request.method ?? 'GET').toUpperCase(),
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: config.stageName,
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

export function authorizerEvent(event: HttpApiEvent, identitySource: string[]): Record<string, unknown> {
  const context = event.requestContext;
  const http = context.http as { method: string; path: string };
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:${localRegion}:${localAccountId}:${String(context.apiId)}/${String(context.stage)}/${http.method}${http.path}`,
    identitySource,
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    ...(event.cookies === undefined ? {} : { cookies: event.cookies }),
    headers: event.headers,
    ...(event.queryStringParameters === undefined ? {} : { queryStringParameters: event.queryStringParameters }),
    requestContext: context,
    ...(event.pathParameters === undefined ? {} : { pathParameters: event.pathParameters }),
  };
}

export function identityValue(source: string, event: HttpApiEvent): string | undefined {
  const [, scope, name] = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/.exec(source) ?? [];
  if (name === undefined) return undefined;
  if (scope === 'request.header') return (event.headers as Record<string, string>)[name.toLowerCase()];
  if (scope === 'request.querystring') return (event.queryStringParameters as Record<string, string> | undefined)?.[name];
  if (scope === 'context') return stringAt(event.requestContext, name);
  return undefined;
}

function stringAt(value: Record<string, unknown>, path: string): string | undefined {
  const found = path.split('.').reduce<unknown>((current, key) => (isRecord(current) ? current[key] : undefined), value);
  return found === undefined ? undefined : String(found);
}

/**
 * Payload format 2.0 responses: an object with `statusCode` is taken as the response; anything
 * else is a 200 with the value as a JSON body (a string as it is). Undefined for a response API
 * Gateway would refuse (a malformed status or a body that is not a string).
 */
export function renderResponse(payload: unknown): GatewayResponse | undefined {
  if (!isRecord(payload) || payload.statusCode === undefined) {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body) };
  }
  const statusCode = Number(payload.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  const body = payload.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const headers: Record<string, string> = {};
  if (isRecord(payload.headers)) {
    for (const [name, value] of Object.entries(payload.headers)) headers[name.toLowerCase()] = String(value);
  }
  const cookies = Array.isArray(payload.cookies) ? payload.cookies.map(String) : [];
  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers,
    cookies,
    body: payload.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text),
  };
}

const Months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${Months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
