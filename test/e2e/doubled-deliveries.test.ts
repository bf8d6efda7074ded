import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import type { StoredEmail } from '../support/inbox.ts';
import { patchConsumedQueueVisibility, patchedAssembly, type VisibilityChange } from '../support/patched-assembly.ts';
import { waitForQuiescence } from '../support/quiescence.ts';
import { expectOk, partnerApi } from './support/case-path.ts';
import { walkPaymentPath } from './support/payment-path.ts';
import { stakeholderEmails } from './support/stakeholder-emails.ts';
import { walkTactCasePath } from './support/tact-path.ts';

/*
 * Issue 16's "Done when": with every stream batch, every event and every queue batch delivered twice
 * (the local stack's fault injection, infra/local/faults.ts), the TACT case path and the payment path
 * still deliver each email exactly once, decide each referral once and keep one history step per
 * action. Both paths run as tact-case-path.test.ts and payments.test.ts run them, with all their
 * checks, one after the other on one stack; once it has settled the emails are counted again, so that a
 * duplicate arriving after a path's own count is caught too. Unlike the two path files, it does not
 * require every invocation to succeed: a queue consumer given a copy of an event while the first copy
 * is still being handled refuses it as in progress (functions/commons/event-consumer.ts) and the queue
 * delivers it again later, by design; what must hold is what the partners and stakeholders see.
 *
 * The stack runs the chaos run's copy of the template as far as queues go: each consumed queue's
 * visibility timeout is its consumer's timeout rather than six times it (test/support/patched-assembly.ts
 * says why that holds locally), so a refused copy comes back after 30 s (60 s) rather than 180 s (360 s).
 */
let assembly: { dir: string; remove: () => void } | undefined;
const shortened: VisibilityChange[] = [];
let stack: LocalStack;
let documentClient: DynamoDBDocumentClient;
let emails: Awaited<ReturnType<typeof stakeholderEmails>>;

beforeAll(async () => {
  assembly = patchedAssembly(inject('e2eCdkOut'), 'trm-doubled-e2e-', (resources) => {
    shortened.push(...patchConsumedQueueVisibility(resources));
  });
  expect(shortened.length, 'consumed queues whose visibility timeout was shortened').toBeGreaterThan(0);
  stack = await startLocalStack({ cdkOutDir: assembly.dir, port: 0, warmUp: false });
  documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb }),
    { marshallOptions: { removeUndefinedValues: true } }
  );
  emails = await stakeholderEmails(stack);
  const response = await fetch(`${stack.controlUrl}/faults`, {
    method: 'PUT',
    body: JSON.stringify({ duplicate: { streams: true, events: true, queues: true } }),
  });
  expect(response.status).toBe(200);
  // Starting and warming every function of the real template, on a machine other suites share.
}, 300_000);

afterAll(async () => {
  emails?.close();
  documentClient?.destroy();
  await stack?.stop();
  assembly?.remove();
});

const identical = (email: StoredEmail): string =>
  `${[...email.destination.to].sort().join(',')} | ${email.subject} | ${email.body.text?.trim() ?? ''}`;

describe('every stream record, event and queue message delivered twice', () => {
  it('the TACT path and the payment path still send each email once, decide once and record each step once', {
    timeout: 600_000,
  }, async () => {
    const tactCaseId = await walkTactCasePath(partnerApi(stack), emails);
    const payment = await walkPaymentPath(stack, documentClient, { copiesDelivered: true });
    // A copy delivered while the first is still being handled is refused as in progress and comes back
    // after its queue's visibility timeout (its consumer's timeout here): the stack settles after that.
    await waitForQuiescence(stack, { timeoutMs: 300_000 });

    // Every kind of delivery was doubled along the way: the test did run under the fault.
    const { injected } = (await (await fetch(`${stack.controlUrl}/faults`)).json()) as {
      injected: { duplicate: Record<string, number> };
    };
    expect(injected.duplicate.streams).toBeGreaterThan(0);
    expect(injected.duplicate.events).toBeGreaterThan(0);
    expect(injected.duplicate.queues).toBeGreaterThan(0);

    const inbox = await emails.inbox();
    for (const caseId of [tactCaseId, payment.caseId]) {
      const aboutCase = inbox.filter((email) => email.body.text?.includes(`/${caseId}`)).map(identical);
      expect(aboutCase.length, `emails about ${caseId}`).toBeGreaterThan(0);
      expect(
        aboutCase.filter((line, index) => aboutCase.indexOf(line) !== index),
        `emails about ${caseId} sent twice`
      ).toEqual([]);

      const { history } = expectOk(await partnerApi(stack)('demo-coordinator', 'GET', `/v1/referrals/${caseId}`));
      const steps: string[] = history.map((entry: { action: string }) => entry.action);
      expect(steps.filter((action) => action === 'assessed')).toEqual(['assessed']);
      expect(steps.filter((action) => action === 'offered')).toEqual(['offered']);
      const repeatedEntries = history.filter(
        (entry: unknown, index: number) => history.findIndex((other: unknown) => JSON.stringify(other) === JSON.stringify(entry)) !== index
      );
      expect(repeatedEntries, `history of ${caseId}`).toEqual([]);
    }

    const { body: payments } = await partnerApi(stack)('demo-receiver-al', 'GET', `/v1/referrals/${payment.caseId}/payments`);
    for (const line of payments.budget as Array<{ limit: number; reserved: number; disbursed: number }>) {
      expect(line.reserved + line.disbursed).toBeLessThanOrEqual(line.limit);
    }
  });
});
