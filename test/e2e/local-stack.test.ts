import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { formatInvocation } from '../../infra/local/console.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { expectProblem, overHttp } from '../support/problem.ts';

/*
 * The real template run by the local stack, used over HTTP as a partner would: the demo partners'
 * keys, the HTTP API with its authorizer, the bundled functions from the cloud assembly.
 */
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
});

afterAll(async () => {
  await stack?.stop();
});

const partner = (id: string) => {
  const found = stack.partners.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no demo partner ${id}`);
  return found;
};

const submit = (key: string, body: unknown) =>
  fetch(`${stack.apiUrl}/v1/referrals`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(body),
  });

describe('the local stack on the real template', () => {
  it('seeds the demo partners the issue lists, each with a key', () => {
    expect(stack.partners.map(({ id, roles, country }) => ({ id, roles, country }))).toEqual([
      { id: 'demo-referrer-fr', roles: ['referrer'], country: 'FR' },
      { id: 'demo-referrer-es', roles: ['referrer'], country: 'ES' },
      { id: 'demo-receiver-al', roles: ['receiver'], country: 'AL' },
      { id: 'demo-receiver-ma', roles: ['receiver'], country: 'MA' },
      { id: 'demo-receiver-ua', roles: ['receiver'], country: 'UA' },
      { id: 'demo-coordinator', roles: ['coordinator'], country: 'FR' },
      { id: 'demo-finance', roles: ['finance'], country: 'FR' },
    ]);
    for (const { key } of stack.partners) expect(key).toMatch(/^trm_[A-Za-z0-9_-]{43}$/);
  });

  it('takes a referral from a demo referrer over HTTP and gives it back', async () => {
    const referrer = partner('demo-referrer-fr');
    const created = await submit(referrer.key, tactReferral());
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; reference: string; status: string };
    expect(body).toMatchObject({ reference: expect.stringMatching(/^TACT-FR-\d{6}$/), status: 'submitted' });
    expect(created.headers.get('location')).toBe(`/v1/referrals/${body.id}`);

    const read = await fetch(`${stack.apiUrl}/v1/referrals/${body.id}`, { headers: { Authorization: `Bearer ${referrer.key}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: body.id, reference: body.reference, ...tactReferral() });
  });

  it('answers a wrong key with a 401 problem document, and no key with API Gateway’s 401', async () => {
    const wrong = await submit(`trm_${'x'.repeat(43)}`, tactReferral());
    expectProblem(await overHttp(wrong), 401, 'unauthenticated');

    const none = await fetch(`${stack.apiUrl}/v1/referrals`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
  });

  it('answers a partner whose role may not submit with a 403 problem document', async () => {
    const response = await submit(partner('demo-receiver-al').key, tactReferral());
    expectProblem(await overHttp(response), 403);
  });

  it('prints one line per invocation with no personal data in it', async () => {
    const lines = stack.invocations.map(formatInvocation).join('\n');
    expect(lines).toContain('POST /v1/referrals');
    const { person } = tactReferral();
    for (const value of [person.givenName, person.familyName, person.dateOfBirth, person.phone]) {
      expect(lines).not.toContain(value);
    }
  });
});
