import { expect } from 'vitest';

/** The members every problem document carries, and the extensions some add. */
interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
  currentStatus?: string;
}

/**
 * The one assertion that a response is an RFC 9457 problem document (functions/commons/problem.ts):
 * the status (the body in the failure message), the media type, the members every problem carries
 * with `status` repeating the response's, and, when given, the problem type. Returns the document
 * for the test's own checks on `errors` or `currentStatus`.
 */
export const expectProblem = (
  response: { status: number; headers: Record<string, string>; body?: unknown; raw?: string },
  status: number,
  type?: string
): Problem => {
  expect(response.status, response.raw ?? JSON.stringify(response.body)).toBe(status);
  expect(response.headers['content-type']).toBe('application/problem+json');
  expect(response.body).toMatchObject({
    type: expect.stringMatching(/^https:\/\/trm\.example\.org\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  if (type !== undefined) expect((response.body as Problem).type).toBe(`https://trm.example.org/problems/${type}`);
  return response.body as Problem;
};

/** A `fetch` response in the shape `expectProblem` reads, for tests that call a running stack over HTTP. */
export const overHttp = async (response: globalThis.Response) => {
  const raw = await response.text();
  const isJson = /json/.test(response.headers.get('content-type') ?? '');
  return { status: response.status, headers: Object.fromEntries(response.headers), body: raw && isJson ? JSON.parse(raw) : undefined, raw };
};
