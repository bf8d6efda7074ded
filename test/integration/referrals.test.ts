import { randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { api, registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { expectProblem } from '../support/problem.ts';
import { scanAll } from '../support/scan.ts';

const logs = captureLogs();
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');

let paris: Awaited<ReturnType<typeof registerPartner>>;
let madrid: Awaited<ReturnType<typeof registerPartner>>;
let tirana: Awaited<ReturnType<typeof registerPartner>>;
let disabled: Awaited<ReturnType<typeof registerPartner>>;

beforeAll(async () => {
  [paris, madrid, tirana, disabled] = await Promise.all([
    registerPartner(['referrer'], 'FR'),
    registerPartner(['referrer'], 'ES'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['referrer'], 'FR', 'disabled'),
  ]);
});

const submit = (key: string, body: unknown, headers: Record<string, string> = {}) => api.call('POST /v1/referrals', { key, body, headers });

const read = (key: string, id: string) => api.call('GET /v1/referrals/{id}', { key, id });

const casesOf = async (referrerId: string) => {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: process.env.CASES_TABLE_NAME,
      IndexName: 'byReferrer',
      KeyConditionExpression: 'referrerId = :referrerId',
      ExpressionAttributeValues: { ':referrerId': referrerId },
    })
  );
  return Items;
};

describe('POST /v1/referrals then GET /v1/referrals/{id}', () => {
  it('creates a case that the referrer reads back with every field, its status and history', async () => {
    const body = tactReferral();
    const created = await submit(paris.key, body);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reference: expect.stringMatching(/^TACT-FR-\d{6}$/),
      status: 'submitted',
      programmeId: 'TACT',
      hostCountry: 'FR',
      originCountry: 'AL',
      createdAt: expect.any(String),
    });
    expect(created.headers.location).toBe(`/v1/referrals/${created.body.id}`);

    const fetched = await read(paris.key, created.body.id);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ ...created.body, ...body });
    expect(fetched.body.history).toEqual([{ at: created.body.createdAt, by: paris.partnerId, action: 'submitted', toStatus: 'submitted' }]);
  });

  it('numbers references per programme and host country without gaps between successful submissions', async () => {
    const first = await submit(madrid.key, careMinorReferral());
    const second = await submit(madrid.key, careMinorReferral());
    const sequence = (reference: string) => Number(reference.split('-')[2]);
    expect(sequence(second.body.reference)).toBe(sequence(first.body.reference) + 1);
    expect(first.body.reference).toMatch(/^CARE-ES-/);
  });
});

describe('Idempotency-Key', () => {
  it('the same key twice gives one case and the same response', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const key = randomUUID();
    const first = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    const second = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.raw).toBe(first.raw);
    expect(await casesOf(referrer.partnerId)).toHaveLength(1);
  });

  it('a retry whose idempotency record is gone finds the case the first attempt wrote, and makes no second', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const key = randomUUID();
    const first = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    // Powertools deletes its record when the handler fails, and a handler can fail after its write
    // committed (DynamoDB committed the transaction, the client's answer timed out: found by the
    // chaos run). No emulator commits a write and then times its answer out, so deleting the record
    // stands for that failure.
    const records = (await scanAll(documentClient, { TableName: process.env.IDEMPOTENCY_TABLE_NAME })).filter((item) =>
      JSON.stringify(item).includes(first.body.id)
    );
    expect(records).toHaveLength(1);
    await documentClient.send(new DeleteCommand({ TableName: process.env.IDEMPOTENCY_TABLE_NAME, Key: { id: records[0]?.id } }));
    const retry = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.body.reference).toBe(first.body.reference);
    expect(retry.headers.location).toBe(`/v1/referrals/${first.body.id}`);
    expect(await casesOf(referrer.partnerId)).toHaveLength(1);
  });

  it('the same key sent concurrently creates exactly one case', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 8 }, () => submit(referrer.key, tactReferral(), { 'Idempotency-Key': key })));
    const created = responses.filter((response) => response.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((response) => response.body.id)).size).toBe(1);
    for (const response of responses.filter((response) => response.status !== 201)) {
      expectProblem(response, 409);
      expect(response.headers['retry-after']).toBe('1');
    }
    expect(await casesOf(referrer.partnerId)).toHaveLength(1);
  });

  it('the same key with another body is 422, and the first request still replays', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const key = randomUUID();
    const first = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    const other = { ...tactReferral(), originCountry: 'UA' };
    expectProblem(await submit(referrer.key, other, { 'Idempotency-Key': key }), 422);
    const replay = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    expect(replay.raw).toBe(first.raw);
    expect(await casesOf(referrer.partnerId)).toHaveLength(1);
  });

  it('a request refused as in progress does not free the key for a third request', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const key = randomUUID();
    const burst = await Promise.all(Array.from({ length: 6 }, () => submit(referrer.key, tactReferral(), { 'Idempotency-Key': key })));
    expect(burst.some((response) => response.status === 201)).toBe(true);
    const late = await submit(referrer.key, tactReferral(), { 'Idempotency-Key': key });
    expect(late.status).toBe(201);
    expect(new Set([...burst, late].filter((response) => response.status === 201).map((response) => response.body.id)).size).toBe(1);
    expect(await casesOf(referrer.partnerId)).toHaveLength(1);
  });

  it('two partners using the same key do not see each other’s response', async () => {
    const key = randomUUID();
    const fromParis = await submit(paris.key, tactReferral(), { 'Idempotency-Key': key });
    const fromMadrid = await submit(madrid.key, careMinorReferral(), { 'Idempotency-Key': key });
    expect(fromMadrid.status).toBe(201);
    expect(fromMadrid.body.id).not.toBe(fromParis.body.id);
  });

  it.each([
    ['missing', undefined, 'is required'],
    ['too long', 'k'.repeat(129), 'must be 1 to 128 printable characters'],
    ['not printable', 'key with spaces', 'must be 1 to 128 printable characters'],
  ])('a %s key is 400', async (_label, value, message) => {
    const response = await api.call('POST /v1/referrals', {
      key: paris.key,
      body: tactReferral(),
      headers: { 'Idempotency-Key': value },
    });
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ path: 'headers.Idempotency-Key', message }]);
  });
});

describe('isolation', () => {
  it("another partner's case is 404, exactly like a case that does not exist", async () => {
    const created = await submit(paris.key, tactReferral());
    const foreign = await read(madrid.key, created.body.id);
    const missing = await read(madrid.key, randomUUID());
    const malformed = await read(madrid.key, 'not-a-case-id');
    for (const response of [foreign, missing, malformed]) expectProblem(response, 404);
    expect(foreign.raw).toBe(missing.raw);
  });
});

describe('bad requests', () => {
  const withPerson = (changes: Record<string, unknown>) => {
    const body = tactReferral();
    Object.assign(body.person, changes);
    return body;
  };

  it.each([
    ['malformed JSON', '{"programmeId": "TACT",', '(body)'],
    ['an unknown field', { ...tactReferral(), status: 'eligible' }, 'status'],
    ['a bad country code', { ...tactReferral(), originCountry: 'XX' }, 'originCountry'],
    ['a person born tomorrow', withPerson({ dateOfBirth: '2999-01-01' }), 'person.dateOfBirth'],
    ['a 17-year-old without the minor block', withPerson({ dateOfBirth: `${new Date().getUTCFullYear() - 17}-01-01` }), 'minor'],
    ['a missing person', { ...tactReferral(), person: undefined }, 'person'],
  ])('%s is 400 naming the field', async (_label, body, path) => {
    const response = await submit(paris.key, body);
    expectProblem(response, 400);
    if (path !== '(body)') expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('a body that is not JSON is 415', async () => {
    const response = await submit(paris.key, tactReferral(), { 'Content-Type': 'text/plain' });
    expectProblem(response, 415);
  });

  it('a body over 64 KiB is 413', async () => {
    const response = await submit(paris.key, { ...tactReferral(), destinationLocality: 'x'.repeat(70_000) });
    expectProblem(response, 413);
  });

  it('nothing is stored for a refused request', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    await submit(referrer.key, { ...tactReferral(), hostCountry: 'XX' });
    expect(await casesOf(referrer.partnerId)).toHaveLength(0);
  });
});

describe('authentication and roles', () => {
  it('no Authorization header is refused by the API before any code runs', async () => {
    const response = await api.call('POST /v1/referrals', { body: '{}' });
    expect(response.status).toBe(401);
  });

  it.each([
    ['an unknown key', () => `trm_${'A'.repeat(43)}`],
    ['a malformed key', () => 'let-me-in'],
    ['a disabled partner', () => disabled.key],
  ])('%s is 401 with a problem document', async (_label, key) => {
    const response = await submit(key(), tactReferral());
    expectProblem(response, 401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('a route the role may not call is 403', async () => {
    expectProblem(await submit(tirana.key, tactReferral()), 403);
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  // The capture works: the handlers' own lines are in it.
  expect(text).toContain('referral submitted');
  expectLogsFreeOfSamples(text);
});
