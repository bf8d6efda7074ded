import { describe, expect, it } from 'vitest';
import { apiRoutes, routeKeyOf } from '../../events/routes.ts';
import { buildOpenApiDocument } from '../../functions/commons/openapi.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

const document = buildOpenApiDocument();
const { template } = synthesizeStack({ bundle: false });

/** An operation of the document, read as JSON; a missing one fails the test that reads it. */
const operationOf = (path: string, method: 'get' | 'post' | 'put'): Json => {
  const operation = (document.paths[path] as Record<string, Json> | undefined)?.[method];
  if (operation === undefined) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return operation;
};

const documentedRoutes = Object.entries(document.paths).flatMap(([path, operations]) =>
  Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)
);
/** The `$default` route answers what no route matches (404, 405): it is no operation of the contract. */
const templateRoutes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
  .map((route) => (route as { Properties: { RouteKey: string } }).Properties.RouteKey)
  .filter((routeKey) => routeKey !== '$default');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a bearer scheme for partner keys', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.partnerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents exactly the routes the deployed API has, no more, no fewer', () => {
    expect(documentedRoutes.sort()).toEqual([...templateRoutes].sort());
    expect(documentedRoutes.length).toBeGreaterThanOrEqual(6);
  });

  it('describes the referral body from the schema the handler parses, with an example', () => {
    const operation = operationOf('/v1/referrals', 'post');
    const schema = operation.requestBody.content['application/json'].schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['programmeId', 'hostCountry', 'originCountry', 'person', 'consent']));
    expect(schema.properties.person.properties.dateOfBirth).toMatchObject({ type: 'string', format: 'date' });
    expect(schema.properties.hostCountry.pattern).toBe('^[A-Z]{2}$');
    expect(operation.requestBody.content['application/json'].example.programmeId).toBe('TACT');
    expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }));
  });

  it('documents the list parameters with their bounds', () => {
    const operation = operationOf('/v1/referrals', 'get');
    expect(operation.parameters.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(['status', 'limit', 'cursor'])
    );
  });

  it('marks the export period as required and its format as optional', () => {
    const parameters = operationOf('/v1/payments/export', 'get').parameters as Array<{ name: string; required: boolean }>;
    expect(Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.required]))).toEqual({
      from: true,
      to: true,
      format: false,
    });
  });

  it('marks partner routes as needing a key and public ones as not', () => {
    expect(operationOf('/v1/referrals/{id}', 'get').security).toEqual([{ partnerKey: [] }]);
    expect(operationOf('/v1/health', 'get').security).toEqual([]);
  });

  it('documents the eligibility routes: a programme id (not a case id), the figures and the decision answers', () => {
    const figures = operationOf('/v1/programmes/{id}/figures', 'get');
    expect(figures.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', schema: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{1,15}$' } }),
    ]);
    const figuresSchema = figures.responses['200'].content['application/json'].schema;
    expect(figuresSchema.required).toEqual(expect.arrayContaining(['caps', 'totals', 'byHostCountry', 'bySex', 'byAgeBand']));
    expect(figuresSchema.properties.totals.properties.assisted.anyOf).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'integer' }), { type: 'null' }])
    );
    const decision = operationOf('/v1/referrals/{id}/decision', 'post');
    expect(decision.requestBody.content['application/json'].example).toMatchObject({ outcome: 'eligible' });
    expect(decision.responses['200'].content['application/json'].schema.properties.eligibility).toBeDefined();
  });

  it("documents the transfer instructions: finance only, the answer's schema with an example, not to be stored, 409 outside approval", () => {
    const operation = operationOf('/v1/payments/{id}/transfer-instructions', 'get');
    expect(operation.description).toBe('Roles: finance.');
    const success = operation.responses['200'];
    expect(success.headers['Cache-Control'].schema).toEqual({ type: 'string', const: 'no-store' });
    const { schema, example } = success.content['application/json'];
    expect(schema.required).toEqual(
      expect.arrayContaining(['paymentId', 'caseReference', 'amount', 'currency', 'payee', 'remittanceInformation'])
    );
    expect(Object.keys(schema.properties)).not.toContain('purpose');
    expect(example.remittanceInformation).toBe(`Payment ${example.paymentId}`);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['403', '404', '409']));
    // Other reads do not answer 409.
    expect(Object.keys(operationOf('/v1/payments/{id}', 'get').responses)).not.toContain('409');
  });

  it.each(apiRoutes.map((route) => [routeKeyOf(route), route] as const))(
    '%s lists its success status, 429 and 500, and each error as a problem document',
    (_key, route) => {
      const responses = operationOf(route.path, route.method.toLowerCase() as 'get' | 'post' | 'put').responses as Record<string, Json>;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining([String(route.successStatus), '429', '500']));
      for (const [status, response] of Object.entries(responses)) {
        expect(response.description, status).toEqual(expect.any(String));
        if (Number(status) < 400 || status === '429') continue;
        expect(response.content['application/problem+json'].schema, status).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      // The gateway's own answers (a throttled request; a request without an Authorization header).
      expect(responses['429'].content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } } });
      if (route.permission !== 'public') {
        expect(responses['401'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/GatewayMessage' });
      }
    }
  );

  it('lists the statuses issue 17 found missing: 409 in progress on a submission, 200 for a repeated monitoring visit', () => {
    const submission = operationOf('/v1/referrals', 'post').responses;
    expect(Object.keys(submission)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409', '413', '415', '422', '500']));
    expect(submission['409'].description).toContain('in progress');
    expect(submission['422'].description).toContain('Idempotency-Key reused');
    const visit = operationOf('/v1/referrals/{id}/monitoring-visits', 'post').responses;
    expect(Object.keys(visit)).toEqual(expect.arrayContaining(['200', '201', '409', '422']));
    expect(visit['200'].content).toEqual(visit['201'].content);
  });

  it('lists a status only where the route can answer it', () => {
    const statusesOf = (path: string, method: 'get' | 'post' | 'put') => Object.keys(operationOf(path, method).responses);
    expect(statusesOf('/v1/health', 'get').sort()).toEqual(['200', '429', '500']);
    // 503: the full view is a disclosure, not sent when the access log cannot record it.
    expect(statusesOf('/v1/referrals/{id}', 'get').sort()).toEqual(['200', '401', '403', '404', '429', '500', '503']);
    expect(statusesOf('/v1/referrals', 'get')).not.toContain('503');
    expect(statusesOf('/v1/referrals/{id}/withdraw', 'post')).not.toContain('422');
    expect(statusesOf('/v1/referrals/{id}/decision', 'post')).not.toContain('422');
    expect(statusesOf('/v1/payments/{id}/approve', 'post')).not.toContain('422');
    expect(statusesOf('/v1/payments/export', 'get')).toContain('422');
    expect(statusesOf('/v1/referrals/{id}/plan', 'put')).toEqual(expect.arrayContaining(['409', '422']));
  });
});
