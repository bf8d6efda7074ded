import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../../events/primitives.ts';
import { type ApiRoute, apiRoutes, type RouteKey, rolesFor, routeKeyOf } from '../../events/routes.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { generatePartnerKey } from '../../functions/domain/partner-key.ts';
import { type ApiCall, api, type Response } from '../support/api.ts';
import { assignedCase, byRole, moveCase, partners, routeSetups, samples, submit } from '../support/partner-access.ts';
import { expectProblem } from '../support/problem.ts';

/**
 * The served contract against the handlers (issue 17, item 3): every route gets each error case a
 * client can provoke, one request per case, and every answer's status must be one the OpenAPI
 * document (functions/commons/openapi.ts) lists for that route; an undocumented status fails.
 */
let document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** The document as the API serves it (functions/openapi.ts), read once. */
beforeAll(async () => {
  document = (await api.call('GET /v1/openapi.json')).body;
});

const documentedStatuses = (route: ApiRoute): number[] => {
  const operation = document.paths[route.path]?.[route.method.toLowerCase()];
  if (operation === undefined) throw new Error(`${routeKeyOf(route)} is not documented`);
  return Object.keys(operation.responses).map(Number);
};

const expectDocumented = (route: ApiRoute, response: Response) =>
  expect(
    documentedStatuses(route),
    `${routeKeyOf(route)} answered ${response.status}, which its document does not list: ${response.raw}`
  ).toContain(response.status);

/** One error case: the request, the status it must get, and whether the gateway answers it (no problem document). */
interface ContractCase {
  name: string;
  status: number;
  request: () => ApiCall;
  byGateway?: boolean;
}

/** An `{id}` nothing has: a programme id on programme routes, a fresh uuid elsewhere. */
const unknownIdFor = (route: ApiRoute): string | undefined => {
  if (!route.path.includes('{id}')) return undefined;
  return route.path.startsWith('/v1/programmes/') ? 'NOPE' : randomUUID();
};

/** A body and query string the route accepts, so that the case under test is the only thing wrong. */
const validParts = (route: ApiRoute): Pick<ApiCall, 'body' | 'query'> => {
  const setup = routeSetups[route.handler];
  return { body: route.body === undefined ? undefined : setup?.body(), query: setup?.query };
};

const invalidQuery: Partial<Record<RouteKey, string>> = {
  'GET /v1/referrals': 'limit=0',
  'GET /v1/referrals/{id}/payments': 'limit=0',
  'GET /v1/referrals/{id}/access-log': 'limit=0',
  'GET /v1/payments/export': 'from=2026-13-01&to=someday',
  'GET /v1/webhooks/{id}/deliveries': 'limit=0',
};

const casesFor = (route: ApiRoute): ContractCase[] => {
  if (route.permission === 'public') return [];
  const routeKey = routeKeyOf(route) as RouteKey;
  const allowed = rolesFor(routeKey);
  const [allowedRole] = allowed;
  if (allowedRole === undefined) throw new Error(`${routeKey} grants no role`);
  const otherRole = roles.find((role) => !allowed.includes(role));
  const asAllowed = (call: ApiCall = {}): ApiCall => ({
    key: byRole(allowedRole).key,
    id: unknownIdFor(route),
    ...validParts(route),
    ...call,
  });
  const cases: ContractCase[] = [
    { name: 'no Authorization header', status: 401, byGateway: true, request: () => ({ ...validParts(route), id: unknownIdFor(route) }) },
    { name: 'an unknown partner key', status: 401, request: () => asAllowed({ key: generatePartnerKey() }) },
  ];
  if (otherRole !== undefined) {
    cases.push({ name: `a role it does not grant (${otherRole})`, status: 403, request: () => asAllowed({ key: byRole(otherRole).key }) });
  }
  if (route.path.includes('{id}')) cases.push({ name: 'an unknown id', status: 404, request: () => asAllowed() });
  if (route.body !== undefined) {
    cases.push(
      { name: 'a body that is not JSON', status: 400, request: () => asAllowed({ body: '{"not json' }) },
      {
        name: 'a body not sent as application/json',
        status: 415,
        request: () => asAllowed({ headers: { 'Content-Type': 'text/plain' } }),
      },
      { name: 'a body over 64 KiB', status: 413, request: () => asAllowed({ body: JSON.stringify({ note: 'x'.repeat(65 * 1024) }) }) }
    );
  }
  const query = invalidQuery[routeKey];
  if (route.query !== undefined) {
    if (query === undefined) throw new Error(`${routeKey} takes a query: give it an invalid one in invalidQuery`);
    cases.push({ name: 'a query string it does not accept', status: 400, request: () => asAllowed({ query }) });
  }
  if (route.idempotencyKey !== undefined) {
    cases.push({ name: 'no Idempotency-Key', status: 400, request: () => asAllowed({ headers: { 'Idempotency-Key': undefined } }) });
  }
  return cases;
};

describe('every route answers its error cases with statuses its OpenAPI operation lists', () => {
  const cells = apiRoutes.flatMap((route) =>
    casesFor(route).map((contractCase) => [routeKeyOf(route), contractCase.name, route, contractCase] as const)
  );

  it('covers every partner route', () => {
    const covered = new Set(cells.map(([routeKey]) => routeKey));
    expect(apiRoutes.filter((route) => route.permission !== 'public' && !covered.has(routeKeyOf(route)))).toEqual([]);
  });

  it.each(cells)('%s: %s', async (routeKey, _name, route: ApiRoute, contractCase: ContractCase) => {
    const response = await api.call(routeKey as RouteKey, contractCase.request());
    expectDocumented(route, response);
    if (contractCase.byGateway) expect(response.status, response.raw).toBe(contractCase.status);
    else expectProblem(response, contractCase.status);
  });
});

describe('success and state-dependent answers are documented', () => {
  const routeOf = (routeKey: RouteKey): ApiRoute => {
    const route = apiRoutes.find((candidate) => routeKeyOf(candidate) === routeKey);
    if (route === undefined) throw new Error(`${routeKey} is not in the route table`);
    return route;
  };
  const answer = async (routeKey: RouteKey, call: ApiCall, status: number): Promise<Response> => {
    const response = await api.call(routeKey, call);
    expectDocumented(routeOf(routeKey), response);
    expect(response.status, response.raw).toBe(status);
    return response;
  };

  it.each(apiRoutes.map((route) => [routeKeyOf(route), route] as const))('%s documents its success status', (_key, route: ApiRoute) => {
    expect(documentedStatuses(route)).toContain(route.successStatus);
  });

  it('public routes, reads and a submission answer their success status', async () => {
    await answer('GET /v1/health', {}, 200);
    await answer('GET /v1/openapi.json', {}, 200);
    await answer('GET /v1/referrals', { key: partners.referrer.key }, 200);
    await answer('GET /v1/referrals/{id}', { key: partners.referrer.key, id: assignedCase }, 200);
    await answer('GET /v1/programmes/{id}/figures', { key: partners.coordinator.key, id: 'TACT' }, 200);
    await answer('GET /v1/payments/export', { key: partners.finance.key, query: routeSetups['export-payments']?.query }, 200);
    await answer('POST /v1/referrals', { key: partners.referrer.key, body: tactReferral() }, 201);
  });

  it('POST /v1/referrals: no consent to return and a reused Idempotency-Key are 422', async () => {
    const referral = tactReferral();
    const noConsent = await answer(
      'POST /v1/referrals',
      { key: partners.referrer.key, body: { ...referral, consent: { ...referral.consent, voluntaryReturn: false } } },
      422
    );
    expectProblem(noConsent, 422, 'no-return-consent');
    const key = randomUUID();
    await answer('POST /v1/referrals', { key: partners.referrer.key, body: referral, headers: { 'Idempotency-Key': key } }, 201);
    const reused = await answer(
      'POST /v1/referrals',
      { key: partners.referrer.key, body: { ...referral, hostCountry: 'ES' }, headers: { 'Idempotency-Key': key } },
      422
    );
    expectProblem(reused, 422, 'idempotency-key-reused');
  });

  it('a case action in a status it does not fit is 409 naming the status', async () => {
    const response = await answer(
      'POST /v1/referrals/{id}/reopen',
      { key: partners.coordinator.key, id: assignedCase, body: samples.reopen },
      409
    );
    expect(expectProblem(response, 409, 'illegal-transition').currentStatus).toBe('eligible');
  });

  it('a monitoring visit is 201, and the same visit again is 200', async () => {
    const caseId = (await submit(partners.referrer)).body.id;
    await moveCase(caseId, { status: 'monitoring', receiverId: partners.receiver.partnerId });
    const visit = { key: partners.receiver.key, id: caseId, body: samples.visit };
    await answer('POST /v1/referrals/{id}/monitoring-visits', visit, 201);
    await answer('POST /v1/referrals/{id}/monitoring-visits', visit, 200);
  });
});
