/**
 * RFC 9457 problem details. A `ProblemError` thrown anywhere in an HTTP handler becomes an
 * `application/problem+json` response through middy's httpErrorHandler: the error's message is the
 * JSON document, `expose` lets httpErrorHandler show it, and `headers` sets the media type.
 */

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  currentStatus?: string;
}

const problemTypeBase = 'https://trm.example.org/problems/';

export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly statusCode: number;
  readonly expose = true;
  readonly headers: Record<string, string>;
  readonly problem: Problem;

  constructor(problem: Omit<Problem, 'type'> & { type: string }, headers: Record<string, string> = {}) {
    const document: Problem = { ...problem, type: `${problemTypeBase}${problem.type}` };
    super(JSON.stringify(document));
    this.problem = document;
    this.statusCode = problem.status;
    this.headers = { 'Content-Type': 'application/problem+json', ...headers };
  }
}

export const invalidRequest = (detail: string, errors: FieldError[] = []): ProblemError =>
  new ProblemError({ type: 'invalid-request', title: 'The request is not valid', status: 400, detail, errors });

export const unauthenticated = (): ProblemError =>
  new ProblemError(
    {
      type: 'unauthenticated',
      title: 'Authentication required',
      status: 401,
      detail: 'Send a valid partner key as "Authorization: Bearer <key>".',
    },
    { 'WWW-Authenticate': 'Bearer' }
  );

export const forbidden = (detail: string): ProblemError =>
  new ProblemError({ type: 'forbidden', title: 'Not allowed for this partner', status: 403, detail });

export const notFound = (detail: string): ProblemError => new ProblemError({ type: 'not-found', title: 'Not found', status: 404, detail });

/** 409; `currentStatus` names the case's status when the action does not fit it. */
export const conflict = (detail: string, headers: Record<string, string> = {}, currentStatus?: string): ProblemError =>
  new ProblemError(
    {
      type: currentStatus === undefined ? 'conflict' : 'illegal-transition',
      title: currentStatus === undefined ? 'Conflict' : 'Not possible in the current status',
      status: 409,
      detail,
      ...(currentStatus === undefined ? {} : { currentStatus }),
    },
    headers
  );

export const payloadTooLarge = (limitBytes: number): ProblemError =>
  new ProblemError({
    type: 'payload-too-large',
    title: 'Request body too large',
    status: 413,
    detail: `The request body must be at most ${limitBytes} bytes.`,
  });

export const unsupportedMediaType = (): ProblemError =>
  new ProblemError({
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
    status: 415,
    detail: 'Send the body as application/json.',
  });

export const idempotencyKeyReused = (): ProblemError =>
  new ProblemError({
    type: 'idempotency-key-reused',
    title: 'Idempotency-Key already used for another request',
    status: 422,
    detail: 'This Idempotency-Key was used with a different body. Use a new key for a new request.',
  });

export const requestInProgress = (): ProblemError =>
  new ProblemError(
    {
      type: 'request-in-progress',
      title: 'A request with this Idempotency-Key is in progress',
      status: 409,
      detail: 'Retry shortly with the same Idempotency-Key to get its result.',
    },
    { 'Retry-After': '1' }
  );

/**
 * 500. Only a route that takes an Idempotency-Key (events/routes.ts) can promise that a retry with
 * the same key does the work once; on any other route the client simply retries.
 */
export const internalError = (takesIdempotencyKey: boolean): ProblemError =>
  new ProblemError({
    type: 'internal',
    title: 'Internal error',
    status: 500,
    detail: takesIdempotencyKey
      ? 'The request could not be completed. It is safe to retry with the same Idempotency-Key.'
      : 'The request could not be completed. Retry it later.',
  });

/** 405 for a path the API has, with another method; `Allow` lists the methods it answers there. */
export const methodNotAllowed = (allowed: readonly string[]): ProblemError =>
  new ProblemError(
    {
      type: 'method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: `This path answers ${allowed.join(', ')} only.`,
    },
    { Allow: allowed.join(', ') }
  );

/** A pagination cursor the repositories did not make for this list (see functions/adapters/cursor.ts). */
export const invalidCursor = (): ProblemError =>
  invalidRequest('The cursor does not belong to this list.', [
    { path: 'query.cursor', message: 'is not a cursor from this list; start again without it' },
  ]);
