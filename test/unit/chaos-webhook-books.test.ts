import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chaosAssembly, chaosWebhookSettings } from '../chaos/assembly.ts';
import type { Books } from '../chaos/books.ts';
import type { ChaosClient, DrivenCase } from '../chaos/driver.ts';
import { webhooksOncePerEvent } from '../chaos/webhook-books.ts';
import type { ChaosWebhookReceiver, ReceivedWebhook } from '../chaos/webhook-receiver.ts';
import type { Json } from '../support/json.ts';

/*
 * The chaos run's own arithmetic, without a stack: the copy of the template it runs, and how the
 * webhooks' books count what a receiver got against what the sender recorded. The API the books
 * read is a table of answers here (the run reads the real one); the counting is what is under test.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the chaos assembly', () => {
  it("shortens a consumed queue's visibility timeout to its consumer's timeout and compresses the webhook settings, nothing else", () => {
    const out = mkdtempSync(join(tmpdir(), 'chaos-assembly-test-'));
    dirs.push(out);
    mkdirSync(join(out, 'asset.1'));
    const template = {
      Resources: {
        Consumed: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 180 } },
        Parked: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 180 } },
        Worker: {
          Type: 'AWS::Lambda::Function',
          Properties: { Timeout: 30, Environment: { Variables: { WEBHOOK_SETTINGS: '{}', OTHER: 'kept' } } },
        },
        Mapping: {
          Type: 'AWS::Lambda::EventSourceMapping',
          Properties: { EventSourceArn: { 'Fn::GetAtt': ['Consumed', 'Arn'] }, FunctionName: { Ref: 'Worker' } },
        },
      },
    };
    writeFileSync(join(out, 'app.template.json'), JSON.stringify(template));
    const assembly = chaosAssembly(out);
    dirs.push(assembly.dir);
    const patched = JSON.parse(readFileSync(join(assembly.dir, 'app.template.json'), 'utf8'));
    expect(assembly.visibility).toEqual([{ logicalId: 'Consumed', from: 180, to: 30 }]);
    expect(patched.Resources.Consumed.Properties.VisibilityTimeout).toBe(30);
    expect(patched.Resources.Parked.Properties.VisibilityTimeout).toBe(180);
    expect(patched.Resources.Worker.Properties.Timeout).toBe(30);
    expect(JSON.parse(patched.Resources.Worker.Properties.Environment.Variables.WEBHOOK_SETTINGS)).toEqual(chaosWebhookSettings);
    expect(patched.Resources.Worker.Properties.Environment.Variables.OTHER).toBe('kept');
  });

  it('refuses an assembly in which no function reads WEBHOOK_SETTINGS', () => {
    const out = mkdtempSync(join(tmpdir(), 'chaos-assembly-test-'));
    dirs.push(out);
    writeFileSync(join(out, 'app.template.json'), JSON.stringify({ Resources: {} }));
    expect(() => chaosAssembly(out)).toThrow(/no function reads WEBHOOK_SETTINGS/);
  });
});

const caseId = 'case-1';
const driven: DrivenCase = {
  programme: 'TACT',
  caseId,
  reference: 'TACT-FR-000001',
  referrerId: 'demo-referrer-fr',
  receiverId: 'demo-receiver-al',
  actions: [],
  events: [],
  payments: [],
  timing: { totalMs: 0, offerMs: 0, reservationMs: 0 },
};
const history = [
  { action: 'submitted', toStatus: 'submitted' },
  { action: 'assessed', fromStatus: 'submitted', toStatus: 'eligible' },
  { action: 'offered', fromStatus: 'eligible', toStatus: 'eligible' },
  { action: 'accepted', fromStatus: 'eligible', toStatus: 'accepted' },
];
const changes = [
  { type: 'referral.status_changed', status: 'submitted', receiver: false },
  { type: 'referral.status_changed', status: 'eligible', receiver: false },
  { type: 'referral.offered', status: 'eligible', receiver: true },
  { type: 'referral.status_changed', status: 'accepted', receiver: true },
];
const partners = ['demo-referrer-fr', 'demo-referrer-es', 'demo-receiver-al', 'demo-coordinator', 'demo-finance'];
const endpoints = partners.map((partnerId) => ({ partnerId, endpointId: `endpoint-${partnerId}`, path: `/${partnerId}` }));

/** One delivery as the receiver got it and as the sender recorded it, settled by an attempt at `settledAt`. */
interface Scenario {
  received: ReceivedWebhook[];
  sent: Map<string, Json[]>;
}

function wellDelivered(): Scenario {
  const received: ReceivedWebhook[] = [];
  const sent = new Map<string, Json[]>(endpoints.map((endpoint) => [endpoint.endpointId, []]));
  for (const endpoint of endpoints) {
    if (endpoint.partnerId === 'demo-referrer-es') continue;
    for (const [index, change] of changes.entries()) {
      if (endpoint.partnerId === 'demo-receiver-al' && !change.receiver) continue;
      const webhookId = `${endpoint.partnerId}-${index}`;
      const body = JSON.stringify({ id: `event-${index}`, type: change.type, data: { caseId, status: change.status } });
      received.push({ path: endpoint.path, webhookId, body, receivedAt: 1_000 + index, status: 204, verified: true });
      sent.get(endpoint.endpointId)!.push({
        id: webhookId,
        type: change.type,
        status: 'delivered',
        attempts: 1,
        history: [{ at: new Date(1_000 + index).toISOString(), outcome: 'delivered', statusCode: 204 }],
      });
    }
  }
  return { received, sent };
}

async function check(scenario: Scenario) {
  const client = {
    readBack: async (_partnerId: string, path: string): Promise<Json> => {
      if (path === `/v1/referrals/${caseId}`) return { history };
      const endpointId = /\/v1\/webhooks\/([^/]+)\/deliveries/.exec(path)?.[1];
      return endpointId === undefined ? undefined : { items: scenario.sent.get(endpointId) ?? [] };
    },
  } as unknown as ChaosClient;
  const receiver = { received: scenario.received, strays: [] } as unknown as ChaosWebhookReceiver;
  return webhooksOncePerEvent({ client, cases: [driven], webhooks: { receiver, endpoints } } as unknown as Books);
}

describe("the webhooks' books", () => {
  it('balance when each change reached each partner that may see it once', async () => {
    const result = await check(wellDelivered());
    expect(result.breaches).toEqual([]);
    expect(result.figures.join('\n')).toContain('14 webhooks due for 1 cases');
  });

  it('count an id acknowledged again once when the sender never recorded the first answer', async () => {
    const scenario = wellDelivered();
    const first = scenario.received[0]!;
    // The first answer was lost: the attempt the sender recorded began after it.
    scenario.received.push({ ...first, receivedAt: first.receivedAt + 5_000 });
    const record = scenario.sent.get(`endpoint-${endpoints[0]!.partnerId}`)![0];
    record.history = [
      { at: new Date(first.receivedAt - 1).toISOString(), outcome: 'timeout' },
      { at: new Date(first.receivedAt + 4_999).toISOString(), outcome: 'delivered', statusCode: 204 },
    ];
    const result = await check(scenario);
    expect(result.breaches).toEqual([]);
    expect(result.figures.join('\n')).toContain('1 acknowledged again after an answer the sender never recorded');
  });

  it('breach on an id acknowledged again after the sender had its answer, a missing change, and a change its partner may not see', async () => {
    const scenario = wellDelivered();
    const first = scenario.received[0]!;
    scenario.received.push({ ...first, receivedAt: first.receivedAt + 5_000 });
    // The coordinator never got the acceptance; the other referrer got the submission.
    const dropped = scenario.received.findIndex((request) => request.webhookId === 'demo-coordinator-3');
    scenario.received.splice(dropped, 1);
    scenario.received.push({ ...first, path: '/demo-referrer-es', webhookId: 'leak' });
    scenario.sent.get('endpoint-demo-referrer-es')!.push({
      id: 'leak',
      status: 'delivered',
      attempts: 1,
      history: [{ at: new Date(first.receivedAt).toISOString(), outcome: 'delivered' }],
    });
    const result = await check(scenario);
    expect(result.breaches).toEqual([
      `/demo-referrer-fr demo-referrer-fr-0: acknowledged 2 times from the attempt that settled it on (${new Date(first.receivedAt).toISOString()})`,
      '/demo-coordinator demo-coordinator-3: delivered after 1 attempts, never received',
      'case TACT-FR-000001: demo-referrer-es was sent referral.status_changed submitted (leak), which it may not see',
      'case TACT-FR-000001: demo-coordinator got 0 webhook-ids for referral.status_changed accepted',
    ]);
  });
});
