import { describe, expect, it } from 'vitest';
import { paymentRequest } from '../../events/samples/payments.ts';
import { api, registerPartner } from '../support/api.ts';
import { coordinator, type Partner, receiver, referrer, requestAndProcess } from '../support/payment-parties.ts';
import { givenReintegratingCase, listPayments, submitReferral } from '../support/payments.ts';
import { expectProblem } from '../support/problem.ts';

/**
 * Pagination cursors are sealed by the repositories (functions/adapters/cursor.ts): a cursor only
 * works for the partner, the list and the filters it was made for, and anything else, forged,
 * altered or oversized, is the 400 naming `query.cursor`, never a 500 from DynamoDB.
 */

const list = (partner: Pick<Partner, 'key'>, query = '') => api.call('GET /v1/referrals', { key: partner.key, query });
type Response = Awaited<ReturnType<typeof list>>;

const expectCursorRefused = (response: Response) => {
  const problem = expectProblem(response, 400);
  expect(problem.errors?.map((error) => error.path)).toEqual(['query.cursor']);
};

/** What cursors were before they were sealed: base64url of a DynamoDB key the client chose. */
const plainCursor = (key: Record<string, string>): string => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

const withByteFlipped = (cursor: string, index: number): string => {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
};

/** Every case id a partner sees, page by page, with the cursor each page answered. */
const everyReferralPage = async (partner: Partner, query: string) => {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const response = await list(partner, `${query}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
    expect(response.status, response.raw).toBe(200);
    pages.push(response.body.items.map((item: { id: string }) => item.id));
    cursor = response.body.cursor;
  } while (cursor !== undefined && pages.length < 20);
  return pages;
};

describe('referral list cursors', () => {
  it('page through every case exactly once, and hold nothing readable', async () => {
    const partner = await registerPartner(['referrer'], 'FR');
    const submitted = [];
    for (let index = 0; index < 5; index += 1) submitted.push(await submitReferral(partner));

    const pages = await everyReferralPage(partner, 'limit=2');
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual([...submitted].sort());

    const { body } = await list(partner, 'limit=2');
    const opened = Buffer.from(body.cursor, 'base64url').toString('latin1');
    expect(opened).not.toContain(partner.partnerId);
    expect(opened).not.toContain('CASE');
    expect(body.cursor.length).toBeLessThan(1024);
  });

  it("the issue's forged keys are 400, never 500: empty values, another partner's partition, a year-9999 date", async () => {
    const partner = await registerPartner(['referrer'], 'FR');
    const other = await registerPartner(['referrer'], 'ES');
    const caseId = await submitReferral(partner);
    await submitReferral(partner);
    const forged = [
      { pk: '', sk: '', createdAt: '', referrerId: partner.partnerId },
      { pk: '', sk: '', createdAt: '', referrerId: 'demo-referrer-fr' },
      { pk: `CASE#${caseId}`, sk: 'CASE', createdAt: new Date().toISOString(), referrerId: other.partnerId },
      { pk: `CASE#${caseId}`, sk: 'CASE', createdAt: '9999-12-31T23:59:59.999Z', referrerId: partner.partnerId },
      // What the list itself would have answered: a well-formed key is no cursor unless the API sealed it.
      { pk: `CASE#${caseId}`, sk: 'CASE', createdAt: new Date().toISOString(), referrerId: partner.partnerId },
    ];
    for (const key of forged) expectCursorRefused(await list(partner, `limit=1&cursor=${plainCursor(key)}`));
    // 1,400 characters of key, as the issue found.
    const long = plainCursor({ pk: `CASE#${'x'.repeat(1_000)}`, sk: 'CASE', createdAt: '', referrerId: partner.partnerId });
    expect(long.length).toBeGreaterThan(1_300);
    expectCursorRefused(await list(partner, `cursor=${long}`));
  });

  it('a cursor works only for the partner it was made for', async () => {
    const partner = await registerPartner(['referrer'], 'FR');
    const other = await registerPartner(['referrer'], 'FR');
    for (let index = 0; index < 2; index += 1) {
      await submitReferral(partner);
      await submitReferral(other);
    }
    const { body } = await list(partner, 'limit=1');
    expectCursorRefused(await list(other, `limit=1&cursor=${body.cursor}`));
    expect((await list(partner, `limit=1&cursor=${body.cursor}`)).status).toBe(200);
  });

  it('a cursor works only with the filters it was made for', async () => {
    const partner = await registerPartner(['referrer'], 'FR');
    for (let index = 0; index < 3; index += 1) await submitReferral(partner);
    const status = (await list(partner, 'limit=1')).body.items[0].status as string;
    const filtered = await list(partner, `status=${status}&limit=1`);
    expect(filtered.body.cursor).toEqual(expect.any(String));
    expectCursorRefused(await list(partner, `limit=1&cursor=${filtered.body.cursor}`));
    expectCursorRefused(await list(partner, `status=${status === 'withdrawn' ? 'closed' : 'withdrawn'}&cursor=${filtered.body.cursor}`));
    // The page size is not a filter: a client may change it between pages.
    expect((await list(partner, `status=${status}&limit=5&cursor=${filtered.body.cursor}`)).status).toBe(200);

    const unfiltered = await list(partner, 'limit=1');
    expectCursorRefused(await list(partner, `status=${status}&cursor=${unfiltered.body.cursor}`));
  });

  it('coordinators listing by status: a cursor for one status is refused for another', async () => {
    await submitReferral(referrer);
    await submitReferral(referrer);
    const status = (await list(referrer, 'limit=1')).body.items[0].status as string;
    const page = await list(coordinator, `status=${status}&limit=1`);
    expect(page.body.cursor).toEqual(expect.any(String));
    expectCursorRefused(await list(coordinator, `status=${status === 'closed' ? 'withdrawn' : 'closed'}&cursor=${page.body.cursor}`));
    expectCursorRefused(await list(coordinator, `cursor=${page.body.cursor}`));
  });

  it('a truncated, altered, empty or over-long cursor is 400', async () => {
    const partner = await registerPartner(['referrer'], 'FR');
    for (let index = 0; index < 2; index += 1) await submitReferral(partner);
    const { cursor } = (await list(partner, 'limit=1')).body as { cursor: string };
    const length = Buffer.from(cursor, 'base64url').length;
    const altered = [
      cursor.slice(0, -4),
      cursor.slice(0, 20),
      withByteFlipped(cursor, 0),
      withByteFlipped(cursor, 5),
      withByteFlipped(cursor, Math.floor(length / 2)),
      withByteFlipped(cursor, length - 1),
      `${cursor}AA`,
      '',
      'A'.repeat(1_025),
      'bm90LWEtY3Vyc29y',
      'not+a/cursor=',
    ];
    for (const candidate of altered) expectCursorRefused(await list(partner, `limit=1&cursor=${encodeURIComponent(candidate)}`));
    expect((await list(partner, `limit=1&cursor=${cursor}`)).status).toBe(200);
  });
});

describe('payment list cursors', () => {
  const everyPaymentPage = async (caseId: string, query: string) => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const response = await listPayments(receiver, caseId, `${query}${cursor === undefined ? '' : `&cursor=${cursor}`}`);
      expect(response.status, response.raw).toBe(200);
      pages.push(response.body.items.map((item: { id: string }) => item.id));
      cursor = response.body.cursor;
    } while (cursor !== undefined && pages.length < 20);
    return pages;
  };

  it("page through every payment exactly once; a cursor works only for its case and its partner; the issue's sort keys are 400", async () => {
    const caseId = await givenReintegratingCase({ referrer, receiver });
    const otherCaseId = await givenReintegratingCase({ referrer, receiver });
    const requested = [];
    for (const amount of [1_000, 2_000, 3_000]) requested.push((await requestAndProcess(caseId, paymentRequest({ amount }))).id as string);
    await requestAndProcess(otherCaseId, paymentRequest({ amount: 1_500 }));
    await requestAndProcess(otherCaseId, paymentRequest({ amount: 2_500 }));

    const pages = await everyPaymentPage(caseId, 'limit=1');
    expect(pages.flat().sort()).toEqual([...requested].sort());
    expect(new Set(pages.flat()).size).toBe(3);

    const { cursor } = (await listPayments(receiver, caseId, 'limit=1')).body as { cursor: string };
    expectCursorRefused(await listPayments(receiver, otherCaseId, `limit=1&cursor=${cursor}`));
    expectCursorRefused(await listPayments(coordinator, caseId, `limit=1&cursor=${cursor}`));
    const otherCursor = (await listPayments(receiver, otherCaseId, 'limit=1')).body.cursor as string;
    expectCursorRefused(await listPayments(receiver, caseId, `limit=1&cursor=${otherCursor}`));

    for (const sk of ['', 'ZZZZ', 'BUDGET#housing', 'PAYMENT#']) {
      expectCursorRefused(await listPayments(receiver, caseId, `cursor=${plainCursor({ pk: `CASE#${caseId}`, sk })}`));
    }
    expectCursorRefused(
      await listPayments(receiver, caseId, `cursor=${plainCursor({ pk: `CASE#${otherCaseId}`, sk: `PAYMENT#${requested[0]}` })}`)
    );

    const length = Buffer.from(cursor, 'base64url').length;
    for (const candidate of [cursor.slice(0, -1), withByteFlipped(cursor, Math.floor(length / 2)), '', 'A'.repeat(1_025)]) {
      expectCursorRefused(await listPayments(receiver, caseId, `cursor=${encodeURIComponent(candidate)}`));
    }
  });
});

const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { StageSecrets } = await import('../../functions/adapters/stage-secret.ts');
const { InvalidCursorError, PageCursors } = await import('../../functions/adapters/cursor.ts');

describe('opened keys are still checked (defence in depth)', () => {
  const cursors = new PageCursors(new StageSecrets(documentClient, process.env.CASES_TABLE_NAME!));
  const binding = { list: 'payments of case c-1', caller: 'receiver-al-1' };
  const expected = {
    keyNames: ['pk', 'sk'],
    partition: { name: 'pk', value: 'CASE#c-1' },
    fits: (key: { sk: string }) => key.sk.startsWith('PAYMENT#'),
  };

  it('a sealed key opens for its binding only', async () => {
    const cursor = await cursors.seal({ pk: 'CASE#c-1', sk: 'PAYMENT#p-1' }, binding);
    await expect(cursors.open(cursor, binding, expected)).resolves.toEqual({ pk: 'CASE#c-1', sk: 'PAYMENT#p-1' });
    await expect(cursors.open(cursor, { ...binding, caller: 'receiver-al-2' }, expected)).rejects.toThrow(InvalidCursorError);
    await expect(cursors.open(cursor, { ...binding, filters: { status: 'approved' } }, expected)).rejects.toThrow(InvalidCursorError);
  });

  it.each([
    { pk: 'CASE#c-1', sk: '' },
    { pk: 'CASE#c-1', sk: 'BUDGET#housing' },
    { pk: 'CASE#c-2', sk: 'PAYMENT#p-1' },
    { pk: 'CASE#c-1', sk: 'PAYMENT#p-1', extra: 'x' },
    { pk: 'CASE#c-1' },
  ])('a key that does not fit the list is refused even sealed: %j', async (key) => {
    await expect(cursors.open(await cursors.seal(key, binding), binding, expected)).rejects.toThrow(InvalidCursorError);
  });
});
