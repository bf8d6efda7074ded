import fc from 'fast-check';
import type { Operation } from './operations.ts';

/**
 * A request as generated: deterministic for a seed. What exists only at run time (the partners'
 * keys, the ids of the cases the run created) is named by index and resolved when it is sent.
 */
export interface FuzzRequest {
  method: string;
  /** The path template of the operation it aims at, or a path no operation has. */
  target: string;
  /** Segments to put in place of `{id}`. */
  id: IdChoice;
  /** A change to the path: none, or one that should reach no route. */
  pathMutation: 'none' | 'double-slash' | 'trailing-slash' | 'extra-segment' | 'unknown-prefix' | 'empty-segment';
  query: Array<[string, string]>;
  auth: AuthChoice;
  idempotencyKey: { kind: 'fresh' } | { kind: 'none' } | { kind: 'pooled'; index: number } | { kind: 'raw'; value: string };
  contentType: string | undefined;
  /** The body as sent, or undefined for none; `tooLarge` stands for a body far over the limit, built at send time. */
  body: { kind: 'none' } | { kind: 'text'; text: string } | { kind: 'tooLarge' };
  /** What was done to the request, for the report. */
  mutation: string;
}

export type IdChoice = { kind: 'existing'; index: number } | { kind: 'raw'; value: string };
export type AuthChoice = { kind: 'partner'; index: number } | { kind: 'none' } | { kind: 'raw'; value: string };

// Headers must be ByteStrings for fetch, so garbage there stays within Latin-1.
const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 80 });

const garbageId = fc.oneof(
  fc.uuid().map((value) => ({ kind: 'raw' as const, value })),
  fc.constantFrom('0', '-1', '..', '%00', 'null', 'undefined', "' OR 1=1 --", '%2e%2e%2f', 'a'.repeat(2048), 'ÿ', '😀').map((value) => ({
    kind: 'raw' as const,
    value,
  })),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map((value) => ({ kind: 'raw' as const, value }))
);

const idChoice: fc.Arbitrary<IdChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.nat(1000).map((index) => ({ kind: 'existing' as const, index })) },
  { weight: 2, arbitrary: garbageId }
);

const authChoice: fc.Arbitrary<AuthChoice> = fc.oneof(
  { weight: 8, arbitrary: fc.nat(1000).map((index) => ({ kind: 'partner' as const, index })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          'Bearer ',
          'Bearer',
          'bearer trm_',
          `Bearer trm_${'A'.repeat(43)}`,
          'Basic dXNlcjpwYXNz',
          `Bearer ${'x'.repeat(4000)}`
        ),
        latin1.map((value) => `Bearer ${value}`),
        latin1
      )
      .map((value) => ({ kind: 'raw' as const, value })),
  }
);

const idempotencyKeyChoice: fc.Arbitrary<FuzzRequest['idempotencyKey']> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'fresh' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  // A few keys shared across the run: a retry, a reuse with another body, one still in progress.
  { weight: 2, arbitrary: fc.nat(4).map((index) => ({ kind: 'pooled' as const, index })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.constantFrom('', ' ', 'k'.repeat(1000), 'key with spaces'), latin1)
      .map((value) => ({ kind: 'raw' as const, value })),
  }
);

const wrongContentType = fc.constantFrom(
  undefined,
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/problem+json',
  'garbage',
  ''
);

/** Every place in a JSON value, as a list of keys and indexes from the root. */
const placesIn = (value: unknown, at: Array<string | number> = []): Array<Array<string | number>> => {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, index) => placesIn(item, [...at, index]))];
  if (value !== null && typeof value === 'object') {
    return [at, ...Object.entries(value).flatMap(([key, item]) => placesIn(item, [...at, key]))];
  }
  return [at];
};

const setAt = (root: unknown, place: Array<string | number>, change: (value: unknown) => unknown): unknown => {
  if (place.length === 0) return change(root);
  const [head, ...rest] = place as [string | number, ...Array<string | number>];
  if (Array.isArray(root)) return root.map((item, index) => (index === head ? setAt(item, rest, change) : item));
  const record = root as Record<string, unknown>;
  return { ...record, [head]: setAt(record[head], rest, change) };
};

const dropAt = (root: unknown, place: Array<string | number>): unknown => {
  if (place.length === 0) return undefined;
  const parent = place.slice(0, -1);
  const last = place.at(-1);
  return setAt(root, parent, (container) => {
    if (Array.isArray(container)) return container.filter((_, index) => index !== last);
    const { [String(last)]: _dropped, ...rest } = container as Record<string, unknown>;
    return rest;
  });
};

// Deep nesting is written as text: JSON.stringify of thousands of levels would overflow the stack.
const placeholder = '\u0000nested\u0000';
const nestedText = (valid: unknown, place: Array<string | number>, depth: number): string => {
  const opening = Array.from({ length: depth }, (_, level) => (level % 2 === 0 ? '[' : '{"nested":')).join('');
  const closing = Array.from({ length: depth }, (_, level) => (level % 2 === 0 ? ']' : '}'))
    .reverse()
    .join('');
  const inner = JSON.stringify(place.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)?.[key], valid)) ?? 'null';
  const text = JSON.stringify(setAt(valid, place, () => placeholder)) ?? '';
  return text.replace(JSON.stringify(placeholder), `${opening}${inner}${closing}`);
};

type BodyMutation =
  | { kind: 'valid' }
  | { kind: 'drop'; place: number }
  | { kind: 'retype'; place: number; value: unknown }
  | { kind: 'duplicate-key'; place: number; value: unknown }
  | { kind: 'extra-field'; name: string; value: unknown }
  | { kind: 'huge-string'; place: number; length: number }
  | { kind: 'unicode'; place: number; value: string }
  | { kind: 'deep-nesting'; place: number; depth: number }
  | { kind: 'replace'; value: unknown }
  | { kind: 'not-json'; text: string }
  | { kind: 'empty' }
  | { kind: 'too-large' };

const bodyMutation: fc.Arbitrary<BodyMutation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'valid' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('drop' as const), place: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('retype' as const), place: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('duplicate-key' as const), place: fc.nat(), value: fc.jsonValue({ maxDepth: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('extra-field' as const),
      name: fc.string({ maxLength: 20 }),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('huge-string' as const), place: fc.nat(), length: fc.integer({ min: 1000, max: 200_000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('unicode' as const), place: fc.nat(), value: fc.string({ unit: 'grapheme', maxLength: 60 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deep-nesting' as const), place: fc.nat(), depth: fc.integer({ min: 10, max: 5000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), value: fc.jsonValue({ maxDepth: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('not-json' as const),
      text: fc.oneof(
        fc.constantFrom('{', '{"a":', 'null', '[]', '"x"', '{"a":1}}', '\u0000', '<xml/>', 'a=b&c=d'),
        fc.string({ maxLength: 100 })
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'too-large' as const }) }
);

const mutateBody = (valid: unknown, mutation: BodyMutation): FuzzRequest['body'] => {
  const places = placesIn(valid);
  const placeOf = (index: number) => places[index % places.length] ?? [];
  const json = (value: unknown): FuzzRequest['body'] => ({ kind: 'text', text: JSON.stringify(value) ?? '' });
  switch (mutation.kind) {
    case 'valid':
      return json(valid);
    case 'drop':
      return json(dropAt(valid, placeOf(mutation.place)));
    case 'retype':
      return json(setAt(valid, placeOf(mutation.place), () => mutation.value));
    case 'duplicate-key': {
      // JSON.stringify cannot write a key twice, so the second copy is spliced into the text.
      const text = JSON.stringify(valid);
      const key = placeOf(mutation.place).find((part) => typeof part === 'string') ?? 'note';
      return { kind: 'text', text: text.replace(/^\{/, `{${JSON.stringify(key)}:${JSON.stringify(mutation.value)},`) };
    }
    case 'extra-field':
      return json(valid !== null && typeof valid === 'object' ? { ...valid, [mutation.name]: mutation.value } : mutation.value);
    case 'huge-string':
      return json(setAt(valid, placeOf(mutation.place), () => 'é'.repeat(mutation.length)));
    case 'unicode':
      return json(setAt(valid, placeOf(mutation.place), () => mutation.value));
    case 'deep-nesting':
      return { kind: 'text', text: nestedText(valid, placeOf(mutation.place), mutation.depth) };
    case 'replace':
      return json(mutation.value);
    case 'not-json':
      return { kind: 'text', text: mutation.text };
    case 'empty':
      return { kind: 'none' };
    case 'too-large':
      return { kind: 'tooLarge' };
  }
};

const queryValue = (enumValues: readonly string[]) =>
  fc.oneof(
    ...(enumValues.length > 0 ? [fc.constantFrom(...enumValues)] : []),
    fc.constantFrom('', '0', '1', '-1', '100', '101', '1e3', '1.5', 'abc', '9'.repeat(40), 'null', '%'),
    fc.base64String({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.constantFrom('2026-01-01', '2026-13-45', '2020-01-01', '9999-12-31')
  );

const queryOf = (operation: Operation): fc.Arbitrary<Array<[string, string]>> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant<Array<[string, string]>>([]) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          ...operation.query.map(({ name, enumValues }) =>
            fc.option(
              queryValue(enumValues).map((value): [string, string] => [name, value]),
              { nil: undefined }
            )
          ),
          fc.option(
            fc
              .tuple(fc.constantFrom('cursor', 'limit', 'unknown', 'status', 'from', 'to'), queryValue([]))
              .map(([name, value]): [string, string] => [name, value]),
            { nil: undefined }
          )
        )
        .map((pairs) => pairs.filter((pair): pair is [string, string] => pair !== undefined)),
    }
  );

/** Requests aimed at one operation: mostly valid in shape, each with at most a few things wrong. */
const requestFor = (operation: Operation): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({
      id: idChoice,
      query: operation.query.length > 0 ? queryOf(operation) : fc.constant([] as Array<[string, string]>),
      auth: operation.isPublic ? fc.oneof(fc.constant({ kind: 'none' as const }), authChoice) : authChoice,
      idempotencyKey: operation.idempotencyKey
        ? idempotencyKeyChoice
        : fc.oneof({ weight: 9, arbitrary: fc.constant({ kind: 'none' as const }) }, idempotencyKeyChoice),
      bodyIndex: fc.nat(),
      bodyMutation:
        operation.bodies.length > 0
          ? bodyMutation
          : fc.oneof({ weight: 9, arbitrary: fc.constant({ kind: 'valid' as const }) }, bodyMutation),
      contentType: fc.oneof({ weight: 9, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: wrongContentType }),
      pathMutation: fc.oneof(
        { weight: 19, arbitrary: fc.constant('none' as const) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('double-slash', 'trailing-slash', 'extra-segment', 'unknown-prefix', 'empty-segment') as fc.Arbitrary<
            FuzzRequest['pathMutation']
          >,
        }
      ),
      method: fc.oneof(
        { weight: 19, arbitrary: fc.constant(operation.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH') }
      ),
    })
    .map((choice): FuzzRequest => {
      const valid = operation.bodies[choice.bodyIndex % Math.max(operation.bodies.length, 1)] ?? {};
      const body =
        operation.bodies.length === 0 && choice.bodyMutation.kind === 'valid'
          ? { kind: 'none' as const }
          : mutateBody(valid, choice.bodyMutation);
      const changes = [
        choice.bodyMutation.kind === 'valid' ? undefined : `body:${choice.bodyMutation.kind}`,
        choice.contentType === 'application/json' ? undefined : `content-type:${choice.contentType ?? 'none'}`,
        choice.pathMutation === 'none' ? undefined : `path:${choice.pathMutation}`,
        choice.method === operation.method ? undefined : `method:${choice.method}`,
        choice.auth.kind === 'partner' ? undefined : `auth:${choice.auth.kind}`,
        choice.id.kind === 'existing' ? undefined : 'id:garbage',
        choice.query.length === 0 ? undefined : 'query',
        choice.idempotencyKey.kind === 'fresh' ? undefined : `idempotency-key:${choice.idempotencyKey.kind}`,
      ].filter((change) => change !== undefined);
      return {
        method: choice.method,
        target: operation.path,
        id: choice.id,
        pathMutation: choice.pathMutation,
        query: choice.query,
        auth: choice.auth,
        idempotencyKey: choice.idempotencyKey,
        contentType: body.kind === 'none' && choice.contentType === 'application/json' ? undefined : choice.contentType,
        body,
        mutation: changes.join(' ') || 'none',
      };
    });

/** Requests to paths no operation has. */
const unknownPath: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
    target: fc.oneof(
      fc.constantFrom(
        '/',
        '/v1',
        '/v1/',
        '/v2/referrals',
        '/v1/unknown',
        '/v1/referrals/{id}/unknown',
        '/v1/payments',
        '/.env',
        '/v1/referrals/{id}/plan/unknown'
      ),
      fc.webPath().filter((path) => path.startsWith('/') && !path.startsWith('/v1/'))
    ),
    id: idChoice,
    auth: authChoice,
  })
  .map((choice) => ({
    ...choice,
    pathMutation: 'none' as const,
    query: [],
    idempotencyKey: { kind: 'none' as const },
    contentType: undefined,
    body: { kind: 'none' as const },
    mutation: 'path:unknown',
  }));

/** `count` requests over every operation, the same ones for the same seed and document. */
export const generateRequests = (operations: readonly Operation[], count: number, seed: number): FuzzRequest[] => {
  const arbitrary = fc.oneof({ weight: 19, arbitrary: fc.oneof(...operations.map(requestFor)) }, { weight: 1, arbitrary: unknownPath });
  return fc.sample(arbitrary, { seed, numRuns: count });
};
