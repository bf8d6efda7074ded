import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import { disbursementExample, paymentRequest } from '../../events/samples/payments.ts';

/** One operation of the served OpenAPI document, as the fuzzer needs it. */
export interface Operation {
  method: string;
  path: string;
  /** The statuses the operation lists: anything else is a finding. */
  statuses: ReadonlySet<number>;
  isPublic: boolean;
  idempotencyKey: boolean;
  query: ReadonlyArray<{ name: string; enumValues: readonly string[] }>;
  /** Valid bodies to send as they are or to mutate; empty for a route without a body. */
  bodies: readonly unknown[];
}

interface OpenApiParameter {
  name: string;
  in: string;
  schema?: { enum?: unknown[]; anyOf?: Array<{ enum?: unknown[] }> };
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
  responses?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * The samples events/samples keeps for a route, beside the document's own example: both referral
 * programmes, and the lifecycle and payment bodies dated today so the rules on dates accept them.
 */
const samplesFor = (method: string, path: string): unknown[] => {
  const lifecycle = lifecycleSamples(today());
  const byRoute: Record<string, unknown[]> = {
    'POST /v1/referrals': [tactReferral(), careMinorReferral()],
    'POST /v1/referrals/{id}/accept': [lifecycle.accept],
    'POST /v1/referrals/{id}/decline': [lifecycle.decline],
    'POST /v1/referrals/{id}/departure': [lifecycle.departure, { plannedOn: today(), escorted: true }],
    'POST /v1/referrals/{id}/arrival': [lifecycle.arrival],
    'PUT /v1/referrals/{id}/plan': [lifecycle.plan],
    'POST /v1/referrals/{id}/plan/approve': [lifecycle.approvePlan],
    'POST /v1/referrals/{id}/plan/return': [lifecycle.returnPlan],
    'POST /v1/referrals/{id}/monitoring-visits': [lifecycle.visit],
    'POST /v1/referrals/{id}/close': [lifecycle.close],
    'POST /v1/referrals/{id}/reopen': [lifecycle.reopen],
    'POST /v1/referrals/{id}/payments': [paymentRequest()],
    'POST /v1/payments/{id}/disbursed': [disbursementExample(today())],
  };
  return byRoute[`${method} ${path}`] ?? [];
};

const enumOf = (parameter: OpenApiParameter): string[] => {
  const values = parameter.schema?.enum ?? parameter.schema?.anyOf?.flatMap((option) => option.enum ?? []) ?? [];
  return values.filter((value): value is string => typeof value === 'string');
};

/** Every operation of the document, in the document's order (the seed replays against the same order). */
export const operationsOf = (document: OpenApiDocument): Operation[] =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([lowerMethod, operation]) => {
      const method = lowerMethod.toUpperCase();
      const parameters = operation.parameters ?? [];
      const example = operation.requestBody?.content?.['application/json']?.example;
      const hasBody = operation.requestBody !== undefined;
      return {
        method,
        path,
        statuses: new Set(Object.keys(operation.responses ?? {}).map(Number)),
        isPublic: (operation.security ?? []).length === 0,
        idempotencyKey: parameters.some((parameter) => parameter.in === 'header' && /^idempotency-key$/i.test(parameter.name)),
        query: parameters
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => ({ name: parameter.name, enumValues: enumOf(parameter) })),
        bodies: hasBody
          ? [...(example === undefined ? [] : [example]), ...samplesFor(method, path)].map((body) => structuredClone(body))
          : [],
      };
    })
  );

/** The operation a request path and method reach, matched as the gateway matches routes: `{id}` is one non-empty segment. */
export const operationAt = (operations: readonly Operation[], method: string, path: string): Operation | undefined => {
  const segments = path.split('/');
  return operations.find((operation) => {
    if (operation.method !== method) return false;
    const pattern = operation.path.split('/');
    return (
      pattern.length === segments.length &&
      pattern.every((part, index) => (/^\{.+\}$/.test(part) ? segments[index] !== '' : part === segments[index]))
    );
  });
};
