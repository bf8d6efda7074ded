import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizerConfig, HttpApiConfig, RouteConfig } from './http-api-config.ts';
import { authorizerEvent, buildEvent, type HttpApiEvent, identityValue, renderResponse } from './http-api-payload.ts';
import { matchRoute } from './http-api-routes.ts';
import type { InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import { isRecord } from './template.ts';

const MaxBodyBytes = 10 * 1024 * 1024;

interface CachedAuthorization {
  expiresAt: number;
  isAuthorized: boolean;
  context: Record<string, unknown>;
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
