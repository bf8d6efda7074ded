import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CfnResource } from '../../infra/local/template.ts';
import { type FixtureStack, startFixtureStack } from './support/fixture-stack.ts';

/*
 * An HTTP API without a `$default` route: what no route matches, exactly, is API Gateway's own 404,
 * whatever the method or a stray slash.
 */
let stack: FixtureStack;

const api = (logicalId: string, type: string, properties: Record<string, unknown>): [string, CfnResource] => [
  logicalId,
  { Type: type, Properties: { ApiId: { Ref: 'Api' }, ...properties } },
];

beforeAll(async () => {
  stack = await startFixtureStack({
    resources: Object.fromEntries([
      ['Api', { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'fixture', ProtocolType: 'HTTP' } }],
      api('Stage', 'AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true }),
      api('RouteIntegration', 'AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': ['Routes', 'Arn'] },
        PayloadFormatVersion: '2.0',
      }),
      api('Item', 'AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /items/{id}',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'RouteIntegration' }]] },
        AuthorizationType: 'NONE',
      }),
      api('Root', 'AWS::ApiGatewayV2::Route', {
        RouteKey: 'GET /',
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'RouteIntegration' }]] },
        AuthorizationType: 'NONE',
      }),
    ]),
    functions: { Routes: { code: 'http.mjs' } },
  });
});

afterAll(async () => {
  await stack?.stop();
});

const call = (path: string, init: RequestInit = {}) => fetch(`${stack.apiUrl}${path}`, init);

describe('paths without a $default route', () => {
  it('reach the route only when they match it exactly', async () => {
    const item = await call('/items/42');
    expect(item.status).toBe(200);
    expect(((await item.json()) as { routeKey: string }).routeKey).toBe('GET /items/{id}');
    const root = await call('/');
    expect(((await root.json()) as { routeKey: string }).routeKey).toBe('GET /');
  });

  it.each([
    ['GET', '//items/42'],
    ['GET', '/items/42/'],
    ['GET', '/items/'],
    ['GET', '//'],
    ['GET', '/unknown'],
    ['DELETE', '/items/42'],
    ['OPTIONS', '/items/42'],
  ])('answer API Gateway’s 404 for %s %s', async (method, path) => {
    const before = stack.invocationsOf('Routes').length;
    const response = await call(path, { method });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(stack.invocationsOf('Routes').length).toBe(before);
  });
});
