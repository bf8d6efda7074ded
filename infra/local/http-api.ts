import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import { resourcesOfType } from './resource-types.ts';
import {
  type CfnResource,
  type CfnTemplate,
  isRecord,
  localAccountId,
  localRegion,
  type ResourceContext,
  resolveIntrinsics,
} from './template.ts';

export interface AuthorizerConfig {
  logicalId: string;
  functionId: string;
  identitySources: string[];
  ttlSeconds: number;
}

export interface RouteConfig {
  logicalId: string;
  routeKey: string;
  /** Upper-case method, or ANY; undefined for `$default`. */
  method?: string;
  /** Path segments; `{name}` captures one, `{name+}` the rest. */
  segments?: string[];
  functionId: string;
  timeoutMs: number;
  authorizer?: AuthorizerConfig;
}

export interface HttpApiConfig {
  logicalId: string;
  apiId: string;
  stageName: string;
  routes: RouteConfig[];
}

/** Payload format 2.0 request event, as HTTP API sends it to integrations. */
type HttpApiEvent = Record<string, unknown> & { requestContext: Record<string, unknown> };

const MaxBodyBytes = 10 * 1024 * 1024;
const MaxIntegrationTimeoutMs = 30_000;
const TextContent = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|[^;]*\+(json|xml))/i;

const ApiProperties = { used: ['ProtocolType', 'Name'], ignored: ['Description', 'DisableExecuteApiEndpoint', 'Tags', 'Version'] };
const StageProperties = {
  used: ['ApiId', 'StageName'],
  ignored: ['AccessLogSettings', 'AutoDeploy', 'DefaultRouteSettings', 'Description', 'RouteSettings', 'Tags', 'DeploymentId'],
};
const RouteProperties = {
  used: ['ApiId', 'AuthorizationType', 'AuthorizerId', 'RouteKey', 'Target'],
  ignored: ['ApiKeyRequired', 'OperationName'],
};
const IntegrationProperties = {
  used: ['ApiId', 'IntegrationType', 'IntegrationUri', 'PayloadFormatVersion', 'TimeoutInMillis'],
  ignored: ['ConnectionType', 'Description', 'IntegrationMethod', 'CredentialsArn'],
};
const AuthorizerProperties = {
  used: [
    'ApiId',
    'AuthorizerPayloadFormatVersion',
    'AuthorizerResultTtlInSeconds',
    'AuthorizerType',
    'AuthorizerUri',
    'EnableSimpleResponses',
    'IdentitySource',
  ],
  ignored: ['Name', 'AuthorizerCredentialsArn'],
};

/**
 * The HTTP API of the template: its stage, routes, Lambda proxy integrations and Lambda request
 * authorizers, read with the rules API Gateway applies. Anything else it could hold (JWT or IAM
 * authorization, parameter mapping, payload format 1.0, CORS, WebSocket APIs) stops start-up.
 */
export function readHttpApi(
  template: CfnTemplate,
  ctx: ResourceContext,
  findFunction: (reference: string) => string | undefined
): HttpApiConfig | undefined {
  const apis = resourcesOfType(template, 'AWS::ApiGatewayV2::Api');
  if (apis.length === 0) return undefined;
  if (apis.length > 1) throw new Error(`Resources.${apis[1]![0]}: only one HTTP API per template is supported locally`);
  const [apiLogicalId, api] = apis[0]!;
  const apiProps = properties(apiLogicalId, api, ApiProperties, ctx);
  if (apiProps.ProtocolType !== 'HTTP') {
    throw new Error(`Resources.${apiLogicalId}: ProtocolType ${String(apiProps.ProtocolType)} is not supported locally`);
  }
  const apiId = ctx[apiLogicalId]!.ref;
  // With one API per template, every stage, route, integration and authorizer is this API's.
  const ofThisApi = (type: string) => resourcesOfType(template, type);

  const stages = ofThisApi('AWS::ApiGatewayV2::Stage');
  if (stages.length === 0) throw new Error(`Resources.${apiLogicalId}: the HTTP API has no stage, so no route of it is reachable`);
  if (stages.length > 1) throw new Error(`Resources.${stages[1]![0]}: only one stage per HTTP API is supported locally`);
  const [stageId, stage] = stages[0]!;
  const stageName = String(properties(stageId, stage, StageProperties, ctx).StageName);

  const authorizers = new Map(
    ofThisApi('AWS::ApiGatewayV2::Authorizer').map(([logicalId, resource]) => [
      ctx[logicalId]!.ref,
      readAuthorizer(logicalId, properties(logicalId, resource, AuthorizerProperties, ctx), findFunction),
    ])
  );
  const integrations = new Map(
    ofThisApi('AWS::ApiGatewayV2::Integration').map(([logicalId, resource]) => [
      ctx[logicalId]!.ref,
      readIntegration(logicalId, properties(logicalId, resource, IntegrationProperties, ctx), findFunction),
    ])
  );
  const routes = ofThisApi('AWS::ApiGatewayV2::Route').map(([logicalId, resource]) =>
    readRoute(logicalId, properties(logicalId, resource, RouteProperties, ctx), integrations, authorizers)
  );
  return { logicalId: apiLogicalId, apiId, stageName, routes };
}

function properties(
  logicalId: string,
  resource: CfnResource,
  rule: { used: string[]; ignored: string[] },
  ctx: ResourceContext
): Record<string, unknown> {
  const raw = resource.Properties ?? {};
  for (const name of Object.keys(raw)) {
    if (!rule.used.includes(name) && !rule.ignored.includes(name)) {
      throw new Error(`Resources.${logicalId}: unsupported ${resource.Type} property ${name}`);
    }
  }
  const used = Object.fromEntries(Object.entries(raw).filter(([name]) => rule.used.includes(name)));
  return resolveIntrinsics(used, ctx, { path: `Resources.${logicalId}.Properties` }) as Record<string, unknown>;
}

/** The function in an integration or authorizer URI: its ARN, or API Gateway's invocation path around it. */
function functionOf(logicalId: string, uri: unknown, findFunction: (reference: string) => string | undefined): string {
  const text = String(uri ?? '');
  const arn = /functions\/(arn:[^/]+)\/invocations$/.exec(text)?.[1] ?? text;
  const functionId = findFunction(arn);
  if (functionId === undefined) throw new Error(`Resources.${logicalId}: ${text} is not a function of the template`);
  return functionId;
}

function readAuthorizer(
  logicalId: string,
  props: Record<string, unknown>,
  findFunction: (reference: string) => string | undefined
): AuthorizerConfig {
  const at = `Resources.${logicalId}`;
  if (props.AuthorizerType !== 'REQUEST') throw new Error(`${at}: ${String(props.AuthorizerType)} authorizers are not supported locally`);
  if (props.AuthorizerPayloadFormatVersion !== '2.0')
    throw new Error(`${at}: authorizer payload format ${String(props.AuthorizerPayloadFormatVersion)} is not supported locally`);
  if (props.EnableSimpleResponses !== true && props.EnableSimpleResponses !== 'true') {
    throw new Error(`${at}: only simple authorizer responses (EnableSimpleResponses) are supported locally`);
  }
  const identitySources = (props.IdentitySource ?? []) as string[];
  for (const source of identitySources) {
    if (!/^\$(request\.header|request\.querystring|context|stageVariables)\.[^.]+$/.test(source)) {
      throw new Error(`${at}: identity source ${source} is not supported locally`);
    }
  }
  return {
    logicalId,
    functionId: functionOf(logicalId, props.AuthorizerUri, findFunction),
    identitySources,
    ttlSeconds: Number(props.AuthorizerResultTtlInSeconds ?? 0),
  };
}

function readIntegration(
  logicalId: string,
  props: Record<string, unknown>,
  findFunction: (reference: string) => string | undefined
): { functionId: string; timeoutMs: number } {
  const at = `Resources.${logicalId}`;
  if (props.IntegrationType !== 'AWS_PROXY')
    throw new Error(`${at}: integration type ${String(props.IntegrationType)} is not supported locally`);
  if (props.PayloadFormatVersion !== '2.0')
    throw new Error(`${at}: payload format ${String(props.PayloadFormatVersion)} is not supported locally`);
  return {
    functionId: functionOf(logicalId, props.IntegrationUri, findFunction),
    timeoutMs: Math.min(Number(props.TimeoutInMillis ?? MaxIntegrationTimeoutMs), MaxIntegrationTimeoutMs),
  };
}

function readRoute(
  logicalId: string,
  props: Record<string, unknown>,
  integrations: Map<string, { functionId: string; timeoutMs: number }>,
  authorizers: Map<string, AuthorizerConfig>
): RouteConfig {
  const at = `Resources.${logicalId}`;
  const routeKey = String(props.RouteKey);
  const target = /^integrations\/(.+)$/.exec(String(props.Target ?? ''))?.[1];
  const integration = target === undefined ? undefined : integrations.get(target);
  if (integration === undefined) throw new Error(`${at}: route ${routeKey} has no integration of the template`);
  const authorizationType = String(props.AuthorizationType ?? 'NONE');
  let authorizer: AuthorizerConfig | undefined;
  if (authorizationType === 'CUSTOM') {
    authorizer = authorizers.get(String(props.AuthorizerId));
    if (authorizer === undefined) throw new Error(`${at}: route ${routeKey} names an authorizer the template does not have`);
  } else if (authorizationType !== 'NONE') {
    throw new Error(`${at}: ${authorizationType} authorization is not supported locally`);
  }
  const base = { logicalId, routeKey, ...integration, ...(authorizer === undefined ? {} : { authorizer }) };
  if (routeKey === '$default') return base;
  const match = /^(\S+) (\/\S*)$/.exec(routeKey);
  if (match === null) throw new Error(`${at}: route key ${routeKey} is not METHOD /path`);
  return { ...base, method: match[1]!.toUpperCase(), segments: splitPath(match[2]!) };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * Picks the route API Gateway would: the most specific path (literal segments before
 * parameters, a greedy parameter last), an exact method before ANY, `$default` when nothing else
 * matches.
 */
export function matchRoute(
  routes: RouteConfig[],
  method: string,
  path: string
): { route: RouteConfig; pathParameters: Record<string, string> } | undefined {
  const segments = splitPath(path);
  let best: { route: RouteConfig; pathParameters: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.segments === undefined) continue;
    if (route.method !== 'ANY' && route.method !== method) continue;
    const pathParameters = matchSegments(route.segments, segments);
    if (pathParameters === undefined) continue;
    const literals = route.segments.filter((segment) => !segment.startsWith('{')).length;
    const greedy = route.segments.some((segment) => segment.endsWith('+}')) ? 0 : 1;
    const score = [literals, greedy, route.segments.length, route.method === 'ANY' ? 0 : 1];
    if (best === undefined || compareScores(score, best.score) > 0) best = { route, pathParameters, score };
  }
  if (best !== undefined) return { route: best.route, pathParameters: best.pathParameters };
  const fallback = routes.find((route) => route.routeKey === '$default');
  return fallback === undefined ? undefined : { route: fallback, pathParameters: {} };
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const expected = pattern[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(expected);
    if (greedy !== null) {
      if (i >= segments.length) return undefined;
      parameters[greedy[1]!] = segments.slice(i).map(decode).join('/');
      return parameters;
    }
    const actual = segments[i];
    if (actual === undefined) return undefined;
    const name = /^\{(.+)\}$/.exec(expected)?.[1];
    if (name !== undefined) parameters[name] = decode(actual);
    else if (expected !== actual) return undefined;
  }
  return pattern.length === segments.length ? parameters : undefined;
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface CachedAuthorization {
  expiresAt: number;
  isAuthorized: boolean;
  context: Record<string, unknown>;
}

/** The result of an HTTP API Lambda integration, turned into an HTTP response. */
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Serves the HTTP API on localhost: matches the route, runs the authorizer (or answers 401 when
 * an identity source is missing, 403 when it denies), invokes the integration with a payload
 * format 2.0 event and answers what the function returned, as API Gateway renders it.
 */
export class HttpApiServer {
  private server: Server | undefined;
  private config: HttpApiConfig | undefined;
  private authorizerCache = new Map<string, CachedAuthorization>();

  constructor(private readonly runtime: LambdaRuntime) {}

  /** New routes for the next request; the authorizer cache goes with the old ones. */
  use(config: HttpApiConfig | undefined): void {
    this.config = config;
    this.authorizerCache = new Map();
  }

  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((request, response) => {
      this.handle(request, response).catch(() => {
        if (!response.headersSent) gatewayError(response, 500, 'Internal Server Error');
        else response.destroy();
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use: set PORT to another port`) : error)
      );
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    this.server = undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    response.setHeader('apigw-requestid', requestId);
    const config = this.config;
    const body = await readBody(request);
    if (body === undefined) return gatewayError(response, 413, 'Request Entity Too Large');
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const method = (request.method ?? 'GET').toUpperCase();
    if (config === undefined) return gatewayError(response, 404, 'Not Found');
    const routePath = this.withoutStage(config, rawPath);
    const matched = routePath === undefined ? undefined : matchRoute(config.routes, method, routePath);
    if (matched === undefined) return gatewayError(response, 404, 'Not Found');
    const { route, pathParameters } = matched;

    const event = buildEvent({ config, route, request, requestId, rawPath, rawQueryString, pathParameters, body });
    if (route.authorizer !== undefined) {
      const decision = await this.authorize(route.authorizer, route, event);
      if (decision.status !== undefined) return gatewayError(response, decision.status, decision.message);
      event.requestContext.authorizer = { lambda: decision.context };
    }
    const result = await this.invokeWithin(route, event);
    if (result === 'timeout') return gatewayError(response, 503, 'Service Unavailable');
    if (result.outcome !== 'ok') return gatewayError(response, 500, 'Internal Server Error');
    const rendered = renderResponse(result.payload);
    if (rendered === undefined) return gatewayError(response, 500, 'Internal Server Error');
    response.statusCode = rendered.statusCode;
    for (const [name, value] of Object.entries(rendered.headers)) response.setHeader(name, value);
    if (rendered.cookies.length > 0) response.setHeader('set-cookie', rendered.cookies);
    response.end(rendered.body);
  }

  private withoutStage(config: HttpApiConfig, rawPath: string): string | undefined {
    if (config.stageName === '$default') return rawPath;
    const prefix = `/${config.stageName}`;
    if (rawPath === prefix) return '/';
    return rawPath.startsWith(`${prefix}/`) ? rawPath.slice(prefix.length) : undefined;
  }

  /** The integration timeout answers 503 while the function may still be running, as in AWS. */
  private async invokeWithin(route: RouteConfig, event: HttpApiEvent): Promise<InvokeResult | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), route.timeoutMs);
    });
    const invocation = this.runtime.invoke(route.functionId, event, {
      trigger: route.routeKey,
      summarize: (payload) => String(renderResponse(payload)?.statusCode ?? 'malformed response'),
    });
    try {
      return await Promise.race([invocation, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async authorize(
    authorizer: AuthorizerConfig,
    route: RouteConfig,
    event: HttpApiEvent
  ): Promise<{ status?: number; message: string; context?: Record<string, unknown> }> {
    const identity = authorizer.identitySources.map((source) => identityValue(source, event));
    if (identity.some((value) => value === undefined || value === '')) return { status: 401, message: 'Unauthorized' };
    const cacheKey = JSON.stringify([authorizer.logicalId, identity]);
    const cached = this.authorizerCache.get(cacheKey);
    let decision: CachedAuthorization | undefined = cached !== undefined && cached.expiresAt > Date.now() ? cached : undefined;
    if (decision === undefined) {
      const result = await this.runtime.invoke(authorizer.functionId, authorizerEvent(event, identity as string[]), {
        trigger: `authorizer for ${route.routeKey}`,
        summarize: (payload) => (isRecord(payload) && payload.isAuthorized === true ? 'authorized' : 'denied'),
      });
      if (result.outcome !== 'ok' || !isRecord(result.payload) || typeof result.payload.isAuthorized !== 'boolean') {
        return { status: 500, message: 'Internal Server Error' };
      }
      const context = result.payload.context;
      decision = {
        isAuthorized: result.payload.isAuthorized,
        context: isRecord(context) ? context : {},
        expiresAt: Date.now() + authorizer.ttlSeconds * 1000,
      };
      if (authorizer.ttlSeconds > 0 && authorizer.identitySources.length > 0) this.authorizerCache.set(cacheKey, decision);
    }
    if (!decision.isAuthorized) return { status: 403, message: 'Forbidden' };
    return { message: 'ok', context: decision.context };
  }
}

interface EventInput {
  config: HttpApiConfig;
  route: RouteConfig;
  request: IncomingMessage;
  requestId: string;
  rawPath: string;
  rawQueryString: string;
  pathParameters: Record<string, string>;
  body: Buffer;
}

function buildEvent(input: EventInput): HttpApiEvent {
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

function authorizerEvent(event: HttpApiEvent, identitySource: string[]): Record<string, unknown> {
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

function identityValue(source: string, event: HttpApiEvent): string | undefined {
  const [, scope, name] = /^\$(request\.header|request\.querystring|context|stageVariables)\.(.+)$/.exec(source) ?? [];
  if (scope === 'request.header') return (event.headers as Record<string, string>)[name!.toLowerCase()];
  if (scope === 'request.querystring') return (event.queryStringParameters as Record<string, string> | undefined)?.[name!];
  if (scope === 'context') return stringAt(event.requestContext, name!);
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

function gatewayError(response: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ message });
  response.statusCode = status;
  response.setHeader('content-type', 'application/json');
  response.setHeader('content-length', Buffer.byteLength(body));
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MaxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const Months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
function clfTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${Months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}
