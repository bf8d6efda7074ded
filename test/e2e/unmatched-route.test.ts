import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { expectProblem, overHttp } from '../support/problem.ts';

/*
 * The real template's `$default` route over HTTP: whatever no route matches, with or without a
 * partner key, is a problem document (404 for a path no route has, 405 with Allow for another
 * method), and paths match exactly as on API Gateway.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
});

afterAll(async () => {
  await stack?.stop();
});

const referrerKey = () => {
  const referrer = stack.partners.find((candidate) => candidate.id === 'demo-referrer-fr');
  if (referrer === undefined) throw new Error('no demo referrer');
  return referrer.key;
};

const send = async (method: string, path: string, withKey = true) =>
  overHttp(
    await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: withKey ? { Authorization: `Bearer ${referrerKey()}` } : {},
    })
  );

describe('a request no route matches', () => {
  it.each([
    ['GET', '/v1/unknown'],
    ['POST', '/v2/referrals'],
    ['GET', '/'],
  ])('%s %s is a 404 problem document, with or without a key', async (method, path) => {
    expect(expectProblem(await send(method, path), 404, 'not-found').detail).toMatch(/^No route has this path/);
    expect(expectProblem(await send(method, path, false), 404, 'not-found').detail).toMatch(/^No route has this path/);
  });

  const id = randomUUID();
  it.each([
    ['DELETE', `/v1/referrals/${id}`, 'GET'],
    ['PATCH', `/v1/referrals/${id}`, 'GET'],
    ['OPTIONS', `/v1/referrals/${id}`, 'GET'],
    ['DELETE', '/v1/referrals', 'GET, POST'],
    ['PATCH', `/v1/referrals/${id}/plan`, 'PUT'],
    ['GET', `/v1/referrals/${id}/accept`, 'POST'],
    ['POST', '/v1/payments/export', 'GET'],
    ['OPTIONS', '/v1/health', 'GET'],
  ])('%s %s is a 405 problem document allowing %s', async (method, path, allowed) => {
    const response = await send(method, path);
    expectProblem(response, 405, 'method-not-allowed');
    expect(response.headers.allow).toBe(allowed);
  });

  // Each of these paths, with `//` collapsed or the trailing slash dropped, is a route that answers.
  it.each([
    '//v1/health',
    '/v1/health/',
    '//v1/openapi.json',
    '/v1/referrals/',
    `//v1/referrals/${id}`,
    `/v1/referrals/${id}/`,
    '/v1//referrals',
  ])('GET %s, a stray slash, is the 404 of no route', async (path) => {
    const problem = expectProblem(await send('GET', path), 404, 'not-found');
    expect(problem.detail).toMatch(/^No route has this path/);
  });

  it('leaves the routes as they were', async () => {
    const health = await fetch(`${stack.apiUrl}/v1/health`);
    expect(health.status).toBe(200);
    const missing = await send('GET', `/v1/referrals/${id}`);
    expectProblem(missing, 404, 'not-found');
  });
});
