import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tactReferral } from '../../events/samples/index.ts';
import { paymentRequestExample } from '../../events/samples/payments.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import { approvePlanThroughRoutes, partnerApi } from './support/case-path.ts';

/*
 * A case's personal data through the local stack: each disclosure over HTTP lands in the access log
 * (its own table), a coordinator erases the case, every view then shows the erasure and the payee is
 * gone, and the retention rule, fired as its schedule would, erases an ended case once.
 */
let stack: LocalStack;
let documentClient: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
  documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb })
  );
});

afterAll(async () => {
  documentClient?.destroy();
  await stack?.stop();
});

const tableRef = (logicalIdPrefix: string): string => {
  const ids = Object.keys(stack.resources).filter(
    (id) => id.startsWith(logicalIdPrefix) && /^[0-9A-F]{8}$/.test(id.slice(logicalIdPrefix.length))
  );
  if (ids.length !== 1) throw new Error(`expected one resource ${logicalIdPrefix}, found ${ids.join(', ') || 'none'}`);
  return stack.resources[ids[0]!]!.ref;
};

const partitionText = async (caseId: string): Promise<string> => {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: tableRef('DataCases'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `CASE#${caseId}` },
    })
  );
  return JSON.stringify(Items);
};

describe("a case's personal data through the local stack", () => {
  it('each disclosure is logged, erasure removes the personal values, and retention erases an ended case once', async () => {
    const call = partnerApi(stack);
    const referral = tactReferral();
    const created = await call('demo-referrer-fr', 'POST', '/v1/referrals', referral);
    expect(created.status).toBe(201);
    const caseId = created.body.id as string;
    await approvePlanThroughRoutes(stack, caseId, { plan: { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] } });
    const requested = await call('demo-receiver-al', 'POST', `/v1/referrals/${caseId}/payments`, paymentRequestExample);
    expect(requested.status).toBe(202);
    const paymentId = requested.body.id as string;
    await waitFor(async () => (await call('demo-finance', 'GET', `/v1/payments/${paymentId}`)).body.status === 'reserved', {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the payment reserved',
    });
    expect((await call('demo-coordinator', 'POST', `/v1/payments/${paymentId}/approve`, {})).status).toBe(200);

    const logBefore = (await call('demo-coordinator', 'GET', `/v1/referrals/${caseId}/access-log?limit=200`)).body.items.length as number;
    expect((await call('demo-referrer-fr', 'GET', `/v1/referrals/${caseId}`)).body.person).toBeDefined();
    expect((await call('demo-finance', 'GET', `/v1/referrals/${caseId}`)).body.person).toBeUndefined();
    expect((await call('demo-finance', 'GET', `/v1/payments/${paymentId}/transfer-instructions`)).status).toBe(200);
    const log = (await call('demo-coordinator', 'GET', `/v1/referrals/${caseId}/access-log?limit=200`)).body.items as Array<
      Record<string, string>
    >;
    expect(log.slice(logBefore).map(({ partnerId, role, view }) => `${partnerId} ${role} ${view}`)).toEqual([
      'demo-referrer-fr referrer case',
      'demo-finance finance transfer_instructions',
    ]);
    expect(JSON.stringify(log)).not.toContain(referral.person.familyName);

    const before = (await call('demo-coordinator', 'GET', `/v1/referrals/${caseId}`)).body;
    const erased = await call('demo-coordinator', 'POST', `/v1/referrals/${caseId}/erase`, { reason: 'subject_request' });
    expect(erased.status).toBe(200);
    const again = await call('demo-coordinator', 'POST', `/v1/referrals/${caseId}/erase`, { reason: 'other' });
    expect(again.body).toEqual(erased.body);
    const view = (await call('demo-receiver-al', 'GET', `/v1/referrals/${caseId}`)).body;
    expect(view.person).toBeUndefined();
    expect(view.personalData).toEqual(erased.body.personalData);
    expect(view).toMatchObject({ status: before.status, reference: before.reference });
    expect(view.history.slice(0, -1)).toEqual(before.history);
    const transfer = await call('demo-finance', 'GET', `/v1/payments/${paymentId}/transfer-instructions`);
    expect(transfer.status).toBe(409);
    expect(transfer.body.type).toBe('https://trm.example.org/problems/personal-data-erased');
    const stored = await partitionText(caseId);
    for (const value of [
      referral.person.familyName,
      referral.person.givenName,
      paymentRequestExample.payee.name,
      paymentRequestExample.purpose,
    ]) {
      expect(stored).not.toContain(value);
    }

    // An ended case past TACT's retention period: withdrawn 731 days ago (set directly, standing in for time).
    const ended = await call('demo-referrer-fr', 'POST', '/v1/referrals', tactReferral());
    const endedId = ended.body.id as string;
    expect((await call('demo-referrer-fr', 'POST', `/v1/referrals/${endedId}/withdraw`, { reason: 'changed_mind' })).status).toBe(200);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableRef('DataCases'),
        Key: { pk: `CASE#${endedId}`, sk: 'CASE' },
        UpdateExpression: 'SET updatedAt = :longAgo',
        ExpressionAttributeValues: { ':longAgo': new Date(Date.now() - 731 * 86_400_000).toISOString() },
      })
    );
    for (let run = 0; run < 2; run += 1) {
      const [result] = await stack.triggerRule('PersonalDataDailyRetention');
      expect(result?.outcome, JSON.stringify(result)).toBe('ok');
    }
    const endedView = (await call('demo-coordinator', 'GET', `/v1/referrals/${endedId}`)).body;
    expect(endedView.personalData).toMatchObject({ erasedBy: 'system', reason: 'retention' });
    expect(endedView.history.filter((entry: { action: string }) => entry.action === 'personal_data_erased')).toHaveLength(1);
    expect(await partitionText(endedId)).not.toContain(referral.person.familyName);
    // The whole path (assessment, offer, plan, payment, two cases) over HTTP and the stream: longer than one step.
  }, 180_000);
});
