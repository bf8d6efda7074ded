import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { walkPaymentPath } from './support/payment-path.ts';

/*
 * One payment from request to disbursed through the local stack: the HTTP API (finance reading the
 * transfer instructions on the way), the FIFO payments queue's event source mapping running the
 * payments Lambda, the cases table's stream running the notifier, the notifications queue running
 * the mailer (the emails read back from the SES emulator), and the export read back against the
 * ledger in the table. The steps and their checks are in support/payment-path.ts.
 */
let stack: LocalStack;
let documentClient: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, warmUp: false });
  const clientConfig = { region: localRegion, credentials: localCredentials };
  documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ ...clientConfig, endpoint: stack.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
});

afterAll(async () => {
  documentClient?.destroy();
  await stack?.stop();
});

describe('a reintegration payment through the local stack', () => {
  it('goes from request to disbursed, finance and the requester are emailed each step once, and the export matches the ledger', async () => {
    await walkPaymentPath(stack, documentClient);
  });
});
