import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { inject } from 'vitest';
import { type PlanVersion, planItemId, planVersionSchema } from '../../events/plan.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { localRegion } from '../../infra/local/template.ts';
import { api, type Response, type registerPartner } from './api.ts';
import { placeCase } from './case-setup.ts';
import { resource } from './harness.ts';
import type { Json } from './json.ts';

/**
 * Setting up payments the way the rest of the system will (a referral submitted through its route,
 * a plan approved, the case reintegrating), and playing the parts AWS plays for the payments
 * Lambda: its SQS event source mapping (receive a batch with the system attributes, invoke, delete
 * what succeeded) and the stream mapping's filter for the notifier.
 */
type Partner = Awaited<ReturnType<typeof registerPartner>>;
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const { documentClient } = await import('../../functions/adapters/dynamodb.ts');

const tableName = () => process.env.CASES_TABLE_NAME!;

/**
 * fauxqs answers GetQueueUrl-style URLs on an unresolvable host unless the client has an explicit
 * endpoint (see emulators.test.ts), so the test's own client is pointed at it.
 */
export const sqs = new SQSClient({ endpoint: inject('endpoints').sqs, region: localRegion });

export const paymentsQueueUrl = (): string => resource('PaymentsQueue').ref;

/** Writes an approved plan version directly (plan drafting and approval are the lifecycle's routes). */
export const writeApprovedPlan = async (
  caseId: string,
  plan: { version?: number; currency: string; items: PlanVersion['items'] },
  approvedBy: string
): Promise<PlanVersion> => {
  const at = new Date().toISOString();
  const version = planVersionSchema.parse({
    caseId,
    version: plan.version ?? 1,
    status: 'approved',
    currency: plan.currency,
    items: plan.items,
    draftedAt: at,
    draftedBy: approvedBy,
    decidedAt: at,
    decidedBy: approvedBy,
  });
  await documentClient.send(
    new PutCommand({ TableName: tableName(), Item: { pk: `CASE#${caseId}`, sk: planItemId(version.version), ...version } })
  );
  return version;
};

/** Puts a case where the lifecycle would have brought it (acceptance, travel, plan approval). */
export const moveCase = placeCase;

export const submitReferral = async (referrer: Partner): Promise<string> => {
  const response = await api.call('POST /v1/referrals', { key: referrer.key, body: tactReferral() });
  if (response.status !== 201) throw new Error(`referral not created: ${response.status}`);
  return response.body.id as string;
};

/** A case in reintegration, assigned to `receiver`, with an approved plan (version 1 unless said otherwise). */
export const givenReintegratingCase = async (
  parties: { referrer: Partner; receiver: Partner },
  plan: { currency: string; items: PlanVersion['items'] } = {
    currency: 'EUR',
    items: [
      { category: 'medical', amount: 50_000 },
      { category: 'housing', amount: 80_000 },
    ],
  }
): Promise<string> => {
  const caseId = await submitReferral(parties.referrer);
  const approved = await writeApprovedPlan(caseId, plan, 'coordinator-setup');
  await moveCase(caseId, { status: 'reintegrating', receiverId: parties.receiver.partnerId, approvedPlanVersion: approved.version });
  return caseId;
};

/* ---------------------------------------------------------------- routes */

export const requestPayment = (
  partner: Pick<Partner, 'key'>,
  caseId: string,
  body: unknown,
  idempotencyKey: string = randomUUID()
): Promise<Response> =>
  api.call('POST /v1/referrals/{id}/payments', { key: partner.key, id: caseId, body, headers: { 'Idempotency-Key': idempotencyKey } });

const stepRoutes = {
  approve: 'POST /v1/payments/{id}/approve',
  reject: 'POST /v1/payments/{id}/reject',
  cancel: 'POST /v1/payments/{id}/cancel',
  disbursed: 'POST /v1/payments/{id}/disbursed',
} as const;

export const paymentStep = (
  partner: Pick<Partner, 'key'>,
  step: keyof typeof stepRoutes,
  paymentId: string,
  body: unknown = {}
): Promise<Response> => api.call(stepRoutes[step], { key: partner.key, id: paymentId, body });

export const getPayment = (partner: Pick<Partner, 'key'>, paymentId: string): Promise<Response> =>
  api.call('GET /v1/payments/{id}', { key: partner.key, id: paymentId });

export const transferInstructions = (partner: Pick<Partner, 'key'>, paymentId: string): Promise<Response> =>
  api.call('GET /v1/payments/{id}/transfer-instructions', { key: partner.key, id: paymentId });

export const listPayments = (partner: Pick<Partner, 'key'>, caseId: string, query = ''): Promise<Response> =>
  api.call('GET /v1/referrals/{id}/payments', { key: partner.key, id: caseId, query });

export const exportPayments = (partner: Pick<Partner, 'key'>, query: string): Promise<Response> =>
  api.call('GET /v1/payments/export', { key: partner.key, query });

/* ---------------------------------------------------------------- the payments queue and its consumer */

/** Receives up to ten messages with the system attributes Lambda's poller asks for. */
export const receive = async (queueUrl: string, maxNumberOfMessages = 10): Promise<Message[]> => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: maxNumberOfMessages,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
      WaitTimeSeconds: 0,
    })
  );
  return Messages;
};

export const deleteMessages = async (queueUrl: string, messages: readonly Message[]): Promise<void> => {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    if (chunk.length === 0) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      })
    );
  }
};

/** Makes received messages visible again at once, as if their visibility timeout had passed. */
export const releaseMessages = async (queueUrl: string, messages: readonly Message[]): Promise<void> => {
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    if (chunk.length === 0) continue;
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 })),
      })
    );
  }
};

/** An SQS record as Lambda delivers a received message. */
export const sqsRecordOf = (message: Message, queueLogicalIdPrefix = 'PaymentsQueue'): SQSRecord => ({
  messageId: message.MessageId!,
  receiptHandle: message.ReceiptHandle!,
  body: message.Body!,
  attributes: message.Attributes as unknown as SQSRecord['attributes'],
  messageAttributes: {},
  md5OfBody: message.MD5OfBody!,
  eventSource: 'aws:sqs',
  eventSourceARN: resource(queueLogicalIdPrefix).attributes.Arn!,
  awsRegion: localRegion,
});

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

const paymentsLambda = async (): Promise<Handler> =>
  ((await import('../../functions/process-payments.ts')) as { handler: Handler }).handler;

/**
 * Invokes the payments Lambda and returns the ids it reports as failed. A batch that fails whole
 * makes the function throw (Powertools' full batch failure): every record then counts as failed.
 */
export const invokePaymentsLambda = async (records: SQSRecord[]): Promise<string[]> => {
  const handler = await paymentsLambda();
  try {
    const response = (await handler(sqsEvent(records), lambdaContext('PaymentsProcessor', 30_000))) as SQSBatchResponse;
    return response.batchItemFailures.map((failure) => failure.itemIdentifier);
  } catch (error) {
    if ((error as Error).name === 'FullBatchFailureError') return records.map((record) => record.messageId);
    throw error;
  }
};

/**
 * The SQS event source mapping of the payments Lambda, run until the queue is empty: receive a
 * batch, invoke, delete what succeeded, let what failed come back (at once instead of after the
 * visibility timeout). Returns every message id the Lambda reported as failed.
 */
export const drainPaymentsQueue = async (maxBatches = 200): Promise<string[]> => {
  const queueUrl = paymentsQueueUrl();
  const failed: string[] = [];
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const messages = await receive(queueUrl);
    if (messages.length === 0) return failed;
    const failures = new Set(await invokePaymentsLambda(messages.map((message) => sqsRecordOf(message))));
    failed.push(...failures);
    await deleteMessages(
      queueUrl,
      messages.filter((message) => !failures.has(message.MessageId!))
    );
    await releaseMessages(
      queueUrl,
      messages.filter((message) => failures.has(message.MessageId!))
    );
  }
  throw new Error(`the payments queue was not empty after ${maxBatches} batches`);
};

/* ---------------------------------------------------------------- the cases table */

/** Every item of a case partition whose sort key starts with `prefix`. */
export const itemsOfCase = async (caseId: string, prefix: string): Promise<Record<string, Json>[]> => {
  const items: Record<string, Json>[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `CASE#${caseId}`, ':prefix': prefix },
        ConsistentRead: true,
        ExclusiveStartKey: exclusiveStartKey,
      })
    );
    items.push(...(page.Items ?? []));
    exclusiveStartKey = page.LastEvaluatedKey;
  } while (exclusiveStartKey !== undefined);
  return items;
};
