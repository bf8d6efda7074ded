import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { formatReport, fuzz } from '../fuzz/fuzz.ts';

/*
 * A bounded run of the fuzzer (test/fuzz/fuzz.ts; `npm run fuzz` runs a larger one) against the
 * real template: every route, every demo partner, valid and mutated requests. A fixed seed keeps a
 * failure reproducible with `npm run fuzz -- --seed <seed> --requests 600`.
 */
const seed = 17_004;
const requests = 600;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
});

afterAll(async () => {
  await stack?.stop();
});

describe('the partner API under generated and mutated requests', () => {
  it('answers every request with a listed status, problem documents for errors, and nothing of its internals', {
    timeout: 120_000,
  }, async () => {
    const report = await fuzz({ apiUrl: stack.apiUrl, partners: stack.partners, requests, seed });
    const summary = formatReport(report).join('\n');
    expect(report.sent, summary).toBe(requests);
    expect(report.findings, summary).toEqual([]);
    // The run reached every operation of the document, not only the gateway's refusals.
    expect([...report.byRoute.keys()].length, summary).toBeGreaterThan(25);
  });
});
