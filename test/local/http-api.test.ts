import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/local/template.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * The HTTP API of a fixture template, served by the local stack and called over HTTP: routes,
 * Lambda proxy integrations (payload format 2.0) and a Lambda request authorizer with simple
 * responses, as CDK's HttpApi, HttpLambdaIntegration and HttpLambdaAuthorizer synthesize them.
 */
let stack: FixtureStack;

const api = (logicalId: string, type: string, properties: Record<string, unknown>): [string, CfnResource] => [
  logicalId,
  { Type: type, Properties: { ApiId: { Ref: 'Api' }, ...properties } },
];
const integration = (logicalId: string, functionId: string, extra: Record<string, unknown> = {}) =>
  api(logicalId, 'AWS::ApiGatewayV2::Integration', {
    IntegrationType: 'AWS_PROXY',
    IntegrationUri: { 'Fn::GetAtt': [functionId, 'Arn'] },
    PayloadFormatVersion: '2.0',
    ...extra,
  });
const route = (logicalId: string, routeKey: string, integrationId: string, authorizerId?: string) =>
  api(logicalId, 'AWS::ApiGatewayV2::Route', {
    RouteKey: routeKey,
    Target: { 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] },
    ...(authorizerId === undefined ? { AuthorizationType: 'NONE' } : { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } }),
  });
const authorizer = (logicalId: string, ttlSeconds: number) =>
  api(logicalId, 'AWS::ApiGatewayV2::Authorizer', {
    AuthorizerType: 'REQUEST',
    AuthorizerPayloadFormatVersion: '2.0',
    EnableSimpleResponses: true,
    IdentitySource: ['$request.header.Authorization'],
    AuthorizerResultTtlInSeconds: ttlSeconds,
    AuthorizerUri: {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':apigateway:',
          { Ref: 'AWS::Region' },
          ':lambda:path/2015-03-31/functions/',
          { 'Fn::GetAtt': ['Authorizer', 'Arn'] },
          '/invocations',
        ],
      ],
    },
    Name: logicalId,
  });

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: Object.fromEntries([
      ['Api', { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'fixture', ProtocolType: 'HTTP' } }],
      api('Stage', 'AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true }),
      authorizer('CachedAuthorizer', 300),
      authorizer('UncachedAuthorizer', 0),
      integration('RouteIntegration', 'Routes'),
      integration('ShortIntegration', 'Routes', { TimeoutInMillis: 1_000 }),
      route('Echo', 'GET /items/{id}', 'RouteIntegration', 'CachedAuthorizer'),
      route('EchoList', 'GET /items', 'RouteIntegration', 'CachedAuthorizer'),
      route('Special', 'GET /items/special', 'RouteIntegration', 'CachedAuthorizer'),
      route('Post', 'POST /items', 'RouteIntegration', 'UncachedAuthorizer'),
      route('Files', 'ANY /files/{path+}', 'RouteIntegration'),
      route('Public', 'GET /public/{action}', 'RouteIntegration'),
      route('Slow', 'GET /short/slow', 'ShortIntegration'),
      route('Fallback', '$default', 'RouteIntegration'),
    ]),
    functions: {
      Routes: { code: 'http.mjs', timeout: 5 },
      Authorizer: { code: 'authorizer.mjs' },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const call = (path: string, init: RequestInit = {}) => fetch(`${stack.apiUrl}${path}`, init);
const echo = async (path: string, init: RequestInit = {}) => {
  const response = await call(path, init);
  expect(response.status).toBe(200);
  // biome-ignore lint/suspicious/noExplicitAny: the echo handler answers the event it got, whose every field the tests read
  return (await response.json()) as Record<string, any>;
};
const bearer = (caller: string) => ({ Authorization: `Bearer ${caller}` });
const authorizerCalls = () => stack.invocationsOf('Authorizer').length;

describe('payload format 2.0 events', () => {
  it('carry the raw path and query, lower-cased headers, cookies, path parameters and requestContext.http', async () => {
    const event = await echo('/items/a%20b?tag=x&tag=y&single=1', {
      headers: { ...bearer('alice'), 'X-Trace-Me': 'yes', Cookie: 'session=1; theme=dark' },
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'tag=x&tag=y&single=1',
      queryStringParameters: { tag: 'x,y', single: '1' },
      pathParameters: { id: 'a b' },
      cookies: ['session=1', 'theme=dark'],
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        routeKey: 'GET /items/{id}',
        stage: '$default',
        requestId: expect.any(String),
        timeEpoch: expect.any(Number),
        http: { method: 'GET', path: '/items/a%20b', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers['x-trace-me']).toBe('yes');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
  });

  it('carry a text body as it is and a binary body base64-encoded', async () => {
    const text = await echo('/files/notes.txt', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' });
    expect(text).toMatchObject({ body: '{"a":1}', isBase64Encoded: false, pathParameters: { path: 'notes.txt' } });
    const binary = await echo('/files/deep/photo.png', {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: new Uint8Array([137, 80, 78, 71]),
    });
    expect(binary).toMatchObject({ isBase64Encoded: true, body: Buffer.from([137, 80, 78, 71]).toString('base64') });
    expect(binary.pathParameters).toEqual({ path: 'deep/photo.png' });
  });
});

describe('routes', () => {
  it('prefer a literal path to a parameter, a parameter to $default', async () => {
    expect((await echo('/items/special', { headers: bearer('alice') })).routeKey).toBe('GET /items/special');
    expect((await echo('/items/42', { headers: bearer('alice') })).routeKey).toBe('GET /items/{id}');
    expect((await echo('/elsewhere/entirely')).routeKey).toBe('$default');
    expect((await echo('/items', { method: 'DELETE' })).routeKey).toBe('$default');
  });

  it('match paths exactly as API Gateway does: `//`, a trailing slash or an empty parameter go to $default', async () => {
    for (const path of ['//items/42', '/items/42/', '/items/', '/items//special', '/public//echo', '/files/']) {
      const event = await echo(path, { headers: bearer('alice') });
      expect(event.routeKey, path).toBe('$default');
      expect(event.rawPath, path).toBe(path);
      expect(event.pathParameters, path).toBeUndefined();
    }
  });

  it('run public routes without the authorizer', async () => {
    const before = authorizerCalls();
    const event = await echo('/public/echo');
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(authorizerCalls()).toBe(before);
  });
});

describe('the Lambda authorizer', () => {
  it('answers 401 without calling the authorizer when the identity source is missing', async () => {
    const before = authorizerCalls();
    const response = await call('/items/1');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'Unauthorized' });
    expect(authorizerCalls()).toBe(before);
  });

  it('answers 403 when the authorizer denies, and 500 when it fails', async () => {
    const denied = await call('/items/1', { headers: bearer('deny') });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ message: 'Forbidden' });
    const failed = await call('/items/1', { headers: bearer('boom') });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('hands its context to the route at requestContext.authorizer.lambda, with its own REQUEST event', async () => {
    const event = await echo('/items/7', { headers: bearer('carol') });
    expect(event.requestContext.authorizer).toEqual({
      lambda: {
        caller: 'carol',
        type: 'REQUEST',
        routeArn: expect.stringMatching(/^arn:aws:execute-api:eu-west-3:000000000000:[a-z0-9]+\/\$default\/GET\/items\/7$/),
      },
    });
  });

  it('caches its result per identity for the TTL of the template, and not at all with a TTL of 0', async () => {
    const caller = `cache-${Date.now()}`;
    const before = authorizerCalls();
    await echo('/items/1', { headers: bearer(caller) });
    await echo('/items/2', { headers: bearer(caller) });
    await echo('/items', { headers: bearer(caller) });
    expect(authorizerCalls()).toBe(before + 1);
    await echo('/items/1', { headers: bearer(`${caller}-other`) });
    expect(authorizerCalls()).toBe(before + 2);

    const uncachedBefore = authorizerCalls();
    await echo('/items', { method: 'POST', headers: bearer(caller) });
    await echo('/items', { method: 'POST', headers: bearer(caller) });
    expect(authorizerCalls()).toBe(uncachedBefore + 2);
  });
});

describe('responses', () => {
  it('take statusCode, headers, cookies and body from the function', async () => {
    const response = await call('/public/cookies');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-probe')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await response.text()).toBe('made');
  });

  it('turn a result without statusCode into a 200 JSON response, a string as it is', async () => {
    const plain = await call('/public/plain');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ hello: 'world' });
    const text = await call('/public/text');
    expect(await text.text()).toBe('hello from the probe');
  });

  it('decode a base64 body', async () => {
    const response = await call('/public/binary');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('answer 500 for a function error or a malformed response, 503 past the integration timeout', async () => {
    const failed = await call('/public/throw');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
    const malformed = await call('/public/malformed');
    expect(malformed.status).toBe(500);
    const slow = await call('/short/slow');
    expect(slow.status).toBe(503);
    expect(await slow.json()).toEqual({ message: 'Service Unavailable' });
  });
});
