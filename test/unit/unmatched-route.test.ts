import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiRoutes, methodsAt, routeKeyOf } from '../../events/routes.ts';
import { httpApiEvent, lambdaContext } from '../../events/samples/http-api.ts';
import { apiRoute } from '../../functions/commons/http.ts';
import { handler as unmatchedRoute } from '../../functions/unmatched-route.ts';
import { expectProblem } from '../support/problem.ts';

/** Invokes an apiRoute handler with a request as API Gateway would hand it over, by the route `routeKey`. */
const invoke = async (handler: (event: never, context: never) => Promise<unknown>, method: string, path: string, routeKey = '$default') => {
  const event = httpApiEvent({ method, route: path }, {});
  event.routeKey = routeKey;
  event.requestContext.routeKey = routeKey;
  const result = (await (handler as (event: unknown, context: unknown) => Promise<unknown>)(
    event,
    lambdaContext('Route')
  )) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return { status: result.statusCode ?? 200, headers, body: JSON.parse(String(result.body)) as unknown, raw: String(result.body) };
};

describe('the methods the route table serves at a path', () => {
  it('match `{id}` as one non-empty segment and gather every route of the path', () => {
    expect(methodsAt('/v1/referrals')).toEqual(['GET', 'POST']);
    expect(methodsAt('/v1/referrals/0b7e4a52')).toEqual(['GET']);
    expect(methodsAt('/v1/referrals/0b7e4a52/plan')).toEqual(['PUT']);
    expect(methodsAt('/v1/referrals/0b7e4a52/payments')).toEqual(['GET', 'POST']);
    expect(methodsAt('/v1/payments/export')).toEqual(['GET']);
  });

  it('are none for an unknown path, `//`, a trailing slash or an empty parameter', () => {
    for (const path of [
      '/',
      '/v1',
      '/v2/referrals',
      '//v1/referrals/0b7e4a52',
      '/v1/referrals/',
      '/v1/referrals/0b7e4a52/',
      '/v1/referrals//plan',
    ]) {
      expect(methodsAt(path), path).toEqual([]);
    }
  });

  it('cover every route of the table', () => {
    for (const route of apiRoutes) expect(methodsAt(route.path.replace(/\{id\}/g, 'x')), routeKeyOf(route)).toContain(route.method);
  });
});

describe('the $default route', () => {
  it('answers a path no route has with a 404 problem document', async () => {
    expectProblem(await invoke(unmatchedRoute, 'GET', '/v1/unknown'), 404, 'not-found');
    expectProblem(await invoke(unmatchedRoute, 'GET', '/v1/referrals/'), 404, 'not-found');
  });

  it('answers another method on a known path with a 405 problem document and Allow', async () => {
    for (const method of ['DELETE', 'PATCH', 'OPTIONS']) {
      const response = await invoke(unmatchedRoute, method, '/v1/referrals/0b7e4a52');
      expectProblem(response, 405, 'method-not-allowed');
      expect(response.headers.allow).toBe('GET');
    }
    const list = await invoke(unmatchedRoute, 'PUT', '/v1/referrals');
    expectProblem(list, 405, 'method-not-allowed');
    expect(list.headers.allow).toBe('GET, POST');
  });
});

describe('a 500', () => {
  const failing = apiRoute().handler(async () => {
    throw new Error('the route failed');
  });

  it('offers a retry with the same Idempotency-Key on a route that takes one', async () => {
    const problem = expectProblem(await invoke(failing, 'POST', '/v1/referrals', 'POST /v1/referrals'), 500, 'internal');
    expect(problem.detail).toContain('same Idempotency-Key');
  });

  it('offers a plain retry on a route that takes none', async () => {
    for (const routeKey of ['GET /v1/referrals/{id}', 'POST /v1/referrals/{id}/accept', '$default']) {
      const problem = expectProblem(await invoke(failing, 'GET', '/v1/referrals/x', routeKey), 500, 'internal');
      expect(problem.detail, routeKey).not.toContain('Idempotency-Key');
      expect(problem.detail, routeKey).toMatch(/retry/i);
    }
  });
});
