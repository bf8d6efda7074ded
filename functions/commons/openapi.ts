import * as z from 'zod/mini';
import { attachedDocumentSchema, documentDownloadSchema, documentListSchema } from '#events/documents';
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
import { type ApiRoute, apiRoutes, type RouteAnswer, type RouteKey, rolesFor, routeKeyOf } from '#events/routes';
import { lifecycleSamples } from '#events/samples/lifecycle';
import { paymentRequestExample, transferInstructionsExample } from '#events/samples/payments';
import referralExample from '../../events/samples/referral-tact.json' with { type: 'json' };
import { webhookOperations, webhookResponseSchemas } from './openapi-webhooks.ts';

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
  ...webhookResponseSchemas,
  'POST /v1/referrals/{id}/documents': attachedDocumentSchema,
  'GET /v1/referrals/{id}/documents': documentListSchema,
  'GET /v1/referrals/{id}/documents/{docId}': documentDownloadSchema,
};

const responseExamples: Record<string, unknown> = {
  'GET /v1/payments/{id}/transfer-instructions': transferInstructionsExample,
};

/** Answers that hold personal data for one reader: no browser, proxy or client may keep them. */
const notToBeStored = new Set(['GET /v1/payments/{id}/transfer-instructions', 'GET /v1/referrals/{id}/documents/{docId}']);

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

/** What the record named by `{id}` is, in the words of the answers about it. */
const subjectOf = (route: ApiRoute): 'case' | 'payment' | 'programme' | 'webhook' =>
  route.path.startsWith('/v1/webhooks')
    ? 'webhook'
    : route.path.startsWith('/v1/payments/')
      ? 'payment'
      : isProgrammePath(route)
        ? 'programme'
        : 'case';

const has = (route: ApiRoute, answer: RouteAnswer): boolean => route.answers?.includes(answer) ?? false;

/**
 * Every error status a route answers, each with the reasons it is given for: implied by what the
 * route declares (a body, a query, a partner permission, an `{id}`, an Idempotency-Key) or declared
 * as one of its answers (events/routes.ts `RouteAnswer`), which follow the handlers and
 * functions/commons (http.ts, idempotency.ts, case-action.ts, payment-review.ts, problem.ts).
 */
const errorStatusesOf = (route: ApiRoute): Map<number, string[]> => {
  const subject = subjectOf(route);
  const reasons: Array<[number, string | false | undefined]> = [
    [400, route.body && 'The body is not valid JSON, does not match the contract or does not fit the record; `errors` names each field.'],
    [400, route.query && 'The query string is not valid (a cursor not made for this list included); `errors` names each parameter.'],
    [400, route.idempotencyKey && 'The Idempotency-Key header is missing or not 1 to 128 printable characters.'],
    [
      401,
      route.permission !== 'public' &&
        'Missing, unknown or disabled partner key. Without an Authorization header the gateway answers before the API, with `{"message":"Unauthorized"}`.',
    ],
    [403, route.permission !== 'public' && 'Your role may not call this route.'],
    [
      403,
      route.path.includes('{id}') &&
        subject !== 'webhook' &&
        (route.method !== 'GET' || has(route, 'currentStatus')) &&
        `Your organisation may not take this step on this ${subject} (e.g. not its requester, or its requester where four eyes apply).`,
    ],
    [
      404,
      route.path.includes('{id}') &&
        (subject === 'programme' ? 'No such programme.' : `No such ${subject}, or not one your organisation may see.`),
    ],
    [409, route.idempotencyKey && 'A request with this Idempotency-Key is still in progress: retry after `Retry-After` with the same key.'],
    [409, has(route, 'currentStatus') && `Not possible in the ${subject}'s current status, named in \`currentStatus\`.`],
    [
      409,
      has(route, 'conflict') &&
        `The ${subject} changed while the request was handled (retry after \`Retry-After\`), or it already holds another answer to this request.`,
    ],
    [409, has(route, 'erased') && "The case's personal data was erased: what this route gives no longer exists."],
    [413, route.body && 'Body over 64 KiB.'],
    [415, route.body && 'Body not sent as application/json.'],
    [422, route.idempotencyKey && 'Idempotency-Key reused with another body.'],
    [
      422,
      has(route, 'rule') &&
        'Breaks a rule of the programme or of the case (e.g. a budget over the limit, a date before the arrival, no consent to return); `errors` names each field.',
    ],
    [422, has(route, 'exportLimit') && 'The period holds more ledger entries than one export may; export a shorter period.'],
    [
      429,
      'Over the stage\'s request rate: the gateway\'s throttle answers before the API, with `{"message":"Too Many Requests"}`. Retry later.',
    ],
    [
      500,
      route.idempotencyKey
        ? 'The request could not be completed: retry it with the same Idempotency-Key.'
        : 'The request could not be completed: retry it later.',
    ],
    [
      503,
      has(route, 'disclosure') &&
        'The disclosure of personal data could not be recorded in the access log, so nothing was sent: retry after `Retry-After`.',
    ],
  ];
  const statuses = new Map<number, string[]>();
  for (const [status, reason] of reasons) {
    if (typeof reason === 'string') statuses.set(status, [...(statuses.get(status) ?? []), reason]);
  }
  return statuses;
};

/** Answers the gateway gives before the API runs: its own JSON, not a problem document. */
const gatewayAnswered = new Set([401, 429]);

const gatewayMessage = { 'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } } };

const errorResponses = (route: ApiRoute) =>
  Object.fromEntries(
    [...errorStatusesOf(route)].map(([status, reasons]) => [
      String(status),
      {
        description: reasons.join(' '),
        content: {
          ...(status === 429 ? {} : { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }),
          ...(gatewayAnswered.has(status) ? gatewayMessage : {}),
        },
      },
    ])
  );

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
  const success = {
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
  };
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
      [String(route.successStatus)]: success,
      // A retry of what is already done answers what the first request did, as 200.
      ...(has(route, 'repeat') && route.successStatus !== 200
        ? { '200': { ...success, description: 'Already done: a retry answers the same result and changes nothing.' } }
        : {}),
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
        GatewayMessage: {
          type: 'object',
          required: ['message'],
          properties: { message: { type: 'string' } },
          description: 'What the gateway answers itself, before the API runs.',
        },
      },
    },
    paths,
    webhooks: webhookOperations(jsonSchema),
  };
};
