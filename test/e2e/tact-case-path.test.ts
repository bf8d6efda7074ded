import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { type PartnerCall, partnerApi } from './support/case-path.ts';
import { stakeholderEmails } from './support/stakeholder-emails.ts';
import { walkTactCasePath } from './support/tact-path.ts';

/*
 * Issue 8's end-to-end path: one TACT case from France to Albania through the local stack running
 * the real template. The demo partners act over HTTP, the stream consumers assess and offer the
 * case, and after each step the stakeholders the recipients table names get their email, in their
 * language, through the real notification path (stream, case-events, queue, mailer, SES), with
 * nothing personal in it. The steps and their checks are in support/tact-path.ts.
 */
let stack: LocalStack;
let call: PartnerCall;
let emails: Awaited<ReturnType<typeof stakeholderEmails>>;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
  call = partnerApi(stack);
  emails = await stakeholderEmails(stack);
});

afterAll(async () => {
  emails?.close();
  await stack?.stop();
});

describe('a TACT case from France to Albania through the local stack', () => {
  // A dozen steps, each waiting (boundedly) on the stream and the mailer: the whole path gets its own bound.
  it('goes from submission to closure, each step by its partner, each stakeholder told in their language', {
    timeout: 300_000,
  }, async () => {
    await walkTactCasePath(call, emails);
  });

  it('ran every function without an error', () => {
    expect(
      stack.invocations.filter((record) => record.outcome !== 'ok').map((record) => `${record.functionName} ${record.trigger}`)
    ).toEqual([]);
  });
});
