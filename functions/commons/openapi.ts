import * as z from 'zod/mini';
import { planResponseSchema, visitViewSchema } from '#events/lifecycle';
import {
  paymentExportSchema,
  paymentFinanceViewSchema,
  paymentPageSchema,
  paymentViewSchema,
  requestedPaymentSchema,
  transferInstructionsSchema,
} from '#events/payment';
import { roles } from '#events/primitives';
import { programmeFiguresSchema } from '#events/programme-figures';
import {
  financeViewSchema,
  referralListItemSchema,
  referralPageSchema,
  referralSummarySchema,
  referralViewSchema,
} from '#events/referral-views';
import { type ApiRoute, apiRoutes, type RouteKey, rolesFor, routeKeyOf } from '#events/routes';
import { lifecycleSamples } from '#events/samples/lifecycle';
import { paymentRequestExample, transferInstructionsExample } from '#events/samples/payments';
import referralExample from '../../events/samples/referral-tact.json' with { type: 'json' };

/**
 * The partner contract as OpenAPI 3.1, generated from the route table and the zod schemas the
 * handlers parse with: there is no second, hand-written schema to fall out of date.
 */
const jsonSchema = (schema: z.ZodMiniType) => {
  // Checks that JSON Schema cannot express (e.g. "the minor block is required under 18") are
  // described in the operation's text instead.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
  return rest;
};

/** Programme routes are keyed by a programme id such as CARE, not by a case id. */
const isProgrammePath = (route: ApiRoute): boolean => route.path.startsWith('/v1/programmes/');

const responseSchemas: Record<string, z.ZodMiniType> = {
  'POST /v1/referrals': referralSummarySchema,
  'GET /v1/referrals': referralPageSchema,
  'GET /v1/referrals/{id}': z.union([referralViewSchema, financeViewSchema]),
  'POST /v1/referrals/{id}/decision': referralViewSchema,
  'GET /v1/programmes/{id}/figures': programmeFiguresSchema,
  'POST /v1/referrals/{id}/withdraw': referralSummarySchema,
  'POST /v1/referrals/{id}/accept': referralListItemSchema,
  'POST /v1/referrals/{id}/decline': referralListItemSchema,
  'POST /v1/referrals/{id}/reassign': referralListItemSchema,
  'POST /v1/referrals/{id}/departure': referralListItemSchema,
  'POST /v1/referrals/{id}/arrival': referralListItemSchema,
  'PUT /v1/referrals/{id}/plan': planResponseSchema,
  'POST /v1/referrals/{id}/plan/approve': planResponseSchema,
  'POST /v1/referrals/{id}/plan/return': planResponseSchema,
  'POST /v1/referrals/{id}/monitoring-visits': visitViewSchema,
  'POST /v1/referrals/{id}/close': referralListItemSchema,
  'POST /v1/referrals/{id}/reopen': referralListItemSchema,
  'POST /v1/referrals/{id}/payments': requestedPaymentSchema,
  'GET /v1/referrals/{id}/payments': paymentPageSchema,
  'GET /v1/payments/export': paymentExportSchema,
  'GET /v1/payments/{id}': z.union([paymentViewSchema, paymentFinanceViewSchema]),
  'POST /v1/payments/{id}/approve': z.union([paymentViewSchema, paymentFinanceViewSchema]),
  'POST /v1/payments/{id}/reject': z.union([paymentViewSchema, paymentFinanceViewSchema]),
  'POST /v1/payments/{id}/cancel': z.union([paymentViewSchema, paymentFinanceViewSchema]),
  'POST /v1/payments/{id}/disbursed': z.union([paymentViewSchema, paymentFinanceViewSchema]),
  'GET /v1/payments/{id}/transfer-instructions': transferInstructionsSchema,
};

const responseExamples: Record<string, unknown> = {
  'GET /v1/payments/{id}/transfer-instructions': transferInstructionsExample,
};

/** Answers that hold personal data for one reader: no browser, proxy or client may keep them. */
const notToBeStored = new Set(['GET /v1/payments/{id}/transfer-instructions']);

/** Reads that answer only while the payment is in a given status (409 otherwise). */
const statusDependentReads = new Set(['GET /v1/payments/{id}/transfer-instructions']);

/** Routes that can also answer another media type, chosen by a query parameter. */
const alternativeContent: Record<string, Record<string, unknown>> = {
  'GET /v1/payments/export': {
    'text/csv': {
      schema: {
        type: 'string',
        description:
          '`format=csv`: one table of `entry` rows (the movements) followed by `total` rows (count and sum per currency, category and movement).',
      },
    },
  },
};

const samples = lifecycleSamples('2027-03-01');

const requestExamples: Record<string, unknown> = {
  'POST /v1/referrals': referralExample,
  'POST /v1/referrals/{id}/withdraw': { reason: 'changed_mind', note: 'Decided to stay with family in France.' },
  'POST /v1/referrals/{id}/decision': { outcome: 'eligible', note: 'Identification confirmed by the labour inspectorate.' },
  'POST /v1/referrals/{id}/accept': samples.accept,
  'POST /v1/referrals/{id}/decline': samples.decline,
  'POST /v1/referrals/{id}/reassign': { receiverId: 'ngo-tirana', note: 'The Tirana office covers Shkodër this year.' },
  'POST /v1/referrals/{id}/departure': samples.departure,
  'POST /v1/referrals/{id}/arrival': samples.arrival,
  'PUT /v1/referrals/{id}/plan': samples.plan,
  'POST /v1/referrals/{id}/plan/approve': samples.approvePlan,
  'POST /v1/referrals/{id}/plan/return': samples.returnPlan,
  'POST /v1/referrals/{id}/monitoring-visits': samples.visit,
  'POST /v1/referrals/{id}/close': samples.close,
  'POST /v1/referrals/{id}/reopen': samples.reopen,
  'POST /v1/referrals/{id}/payments': paymentRequestExample,
  'POST /v1/payments/{id}/reject': { reason: 'missing_documents', note: 'Send the invoice from the clinic.' },
  'POST /v1/payments/{id}/disbursed': { transferReference: 'SEPA-2026-11-000412', disbursedOn: '2026-11-20' },
};

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const errorResponses = (route: ApiRoute) => ({
  ...(route.body || route.query || route.path.includes('{')
    ? { '400': problemResponse('The request is not valid; `errors` names each field.') }
    : {}),
  ...(route.permission === 'public'
    ? {}
    : {
        '401': problemResponse('Missing, unknown or disabled partner key.'),
        '403': problemResponse('Your role may not call this route.'),
      }),
  ...(route.path.includes('{id}')
    ? {
        '404': problemResponse(
          route.path.startsWith('/v1/payments/')
            ? 'No such payment, or not one your organisation may see.'
            : isProgrammePath(route)
              ? 'No such programme.'
              : 'No such case, or not one your organisation may see.'
        ),
      }
    : {}),
  ...((route.method !== 'GET' || statusDependentReads.has(routeKeyOf(route))) && route.path.includes('{id}')
    ? {
        '409': problemResponse(
          `Not possible in the ${route.path.startsWith('/v1/payments/') ? "payment's" : "case's"} current status (\`currentStatus\`), or a concurrent change.`
        ),
      }
    : {}),
  ...(route.method !== 'GET' && route.path.includes('{id}') && route.handler !== 'withdraw-referral'
    ? {
        '422': problemResponse(
          'Breaks a rule of the programme or of the case (e.g. a budget over the limit, a date before the arrival); `errors` names each field.'
        ),
      }
    : {}),
  ...(route.body
    ? {
        '413': problemResponse('Body over 64 KiB.'),
        '415': problemResponse('Body not sent as application/json.'),
      }
    : {}),
  ...(route.idempotencyKey
    ? { '422': problemResponse('Idempotency-Key reused with another body, or a referral without consent to return.') }
    : {}),
});

const parametersOf = (route: ApiRoute) => {
  const pathParameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: isProgrammePath(route) ? { type: 'string', pattern: '^[A-Z][A-Z0-9_]{1,15}$' } : { type: 'string', format: 'uuid' },
  }));
  const querySchema = route.query ? jsonSchema(route.query) : undefined;
  const requiredQuery = (querySchema?.required ?? []) as string[];
  const queryParameters = Object.entries((querySchema?.properties ?? {}) as Record<string, unknown>).map(([name, schema]) => ({
    name,
    in: 'query',
    required: requiredQuery.includes(name),
    schema,
  }));
  const headers = route.idempotencyKey
    ? [
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: true,
          description:
            'Your unique id for this request (1 to 128 printable characters): a retry with the same key and body returns the first response; with another body it is 422.',
          schema: { type: 'string', minLength: 1, maxLength: 128 },
        },
      ]
    : [];
  return [...pathParameters, ...queryParameters, ...headers];
};

const operationOf = (route: ApiRoute) => {
  const routeKey = routeKeyOf(route);
  const responseSchema = responseSchemas[routeKey];
  return {
    operationId: route.handler,
    summary: route.summary,
    description: route.permission === 'public' ? 'Public: no partner key.' : `Roles: ${rolesFor(routeKey as RouteKey).join(', ')}.`,
    security: route.permission === 'public' ? [] : [{ partnerKey: [] }],
    parameters: parametersOf(route),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchema(route.body),
                ...(requestExamples[routeKey] === undefined ? {} : { example: requestExamples[routeKey] }),
              },
            },
          },
        }
      : {}),
    responses: {
      [String(route.successStatus)]: {
        description: 'Success',
        ...(responseSchema
          ? {
              content: {
                'application/json': {
                  schema: jsonSchema(responseSchema),
                  ...(responseExamples[routeKey] === undefined ? {} : { example: responseExamples[routeKey] }),
                },
                ...alternativeContent[routeKey],
              },
            }
          : {}),
        ...(notToBeStored.has(routeKey) ? { headers: { 'Cache-Control': { schema: { type: 'string', const: 'no-store' } } } } : {}),
      },
      ...errorResponses(route),
    },
  };
};

export const buildOpenApiDocument = () => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Transnational referral mechanism: partner API',
      version: '1',
      description:
        'Referrals of victims of trafficking who chose to return home, from partners in EU host countries to partners in countries of origin. ' +
        `Roles: ${roles.join(', ')}. Errors are RFC 9457 problem details. Dates are YYYY-MM-DD, countries ISO 3166-1 alpha-2, money integer minor units. ` +
        'A person under 18 on the day of submission needs the `minor` block; a date in the future is refused.',
    },
    components: {
      securitySchemes: { partnerKey: { type: 'http', scheme: 'bearer', description: 'Your partner key.' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            currentStatus: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
    paths,
  };
};
