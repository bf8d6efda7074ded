import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { HeadObjectCommand, ListBucketsCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../../events/dates.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';
import { waitFor } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import { dayFromToday, expectOk, type PartnerCall, partnerApi, waitForPlatform } from './support/case-path.ts';

/*
 * Issue 15's proof that personal data is sealed at rest and in transit: a CARE and a TACT case go
 * through their whole life on the local stack running the real template (decision, offer, travel,
 * plan returned and approved, visits, a payment approved and disbursed, closure), with a unique
 * marker in every personal field and every free text. Then every item of every table, every record
 * of every table's stream, every message left on any queue (dead letters included), every line any
 * function logged and every email sent is searched for the markers: none may be there. The same
 * search run on what the partners were answered finds them, so the search itself is shown to work.
 */
let stack: LocalStack;
let call: PartnerCall;
let logDir: string;
const clientConfig = () => ({ region: localRegion, credentials: localCredentials });

const run = randomBytes(4).toString('hex');
const markers: string[] = [];
/** A value no other test writes, remembered for the search. */
const marker = (kind: string): string => {
  const value = `Mrk${kind}${run}Q${markers.length}`;
  markers.push(value);
  return value;
};
/** A German IBAN with valid check digits whose account number is unique to this run. */
const markerIban = (): string => {
  const bban = `37040044${String(Number.parseInt(run, 16)).padStart(10, '0').slice(-10)}`;
  const remainder = BigInt(`${bban}131400`) % 97n;
  const iban = `DE${String(98n - remainder).padStart(2, '0')}${bban}`;
  markers.push(iban);
  return iban;
};

/** A phone number unique to this run (digits only, as the contract wants). */
const markerPhone = (): string => {
  const digits = `69${String(Number.parseInt(run, 16) + markers.length)
    .padStart(10, '0')
    .slice(-9)}`;
  markers.push(digits);
  return `+355${digits}`;
};

/** The markers a text holds, case-insensitively. */
const markersIn = (text: string): string[] => {
  const haystack = text.toLowerCase();
  return markers.filter((value) => haystack.includes(value.toLowerCase()));
};
const asText = (value: unknown): string =>
  JSON.stringify(value, (_key, item) => (item instanceof Uint8Array ? Buffer.from(item).toString('latin1') : item));

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'trm-personal-data-logs-'));
  stack = await startLocalStack({ cdkOutDir: inject('e2eCdkOut'), port: 0, logDir, warmUp: false });
  call = partnerApi(stack);
});

afterAll(async () => {
  await stack?.stop();
  if (logDir !== undefined) rmSync(logDir, { recursive: true, force: true });
});

/** Everything a partner was answered with personal data in it, for the search's positive control. */
const disclosed: Json[] = [];

const markedReferral = (base: Record<string, Json>, changes: Record<string, Json>): Record<string, Json> => ({
  ...base,
  ...changes,
  destinationLocality: marker('Locality'),
  person: { ...base.person, givenName: marker('Given'), familyName: marker('Family'), phone: markerPhone() },
  victimStatus: { status: 'identified', identifiedBy: marker('IdentifiedBy'), identifiedOn: dayFromToday(-30) },
});

interface Path {
  programme: 'care.json' | 'tact.json';
  referral: Record<string, Json>;
  referrer: string;
  receiver: string;
}

const coordinator = 'demo-coordinator';
const finance = 'demo-finance';

/** One case from submission to closure, every free text marked. */
const liveThrough = async ({ programme, referral, referrer, receiver }: Path): Promise<string> => {
  const definition = programmeDefinitionSchema.parse(programmeDefinitionFiles[programme]);
  const submitted = expectOk(await call(referrer, 'POST', '/v1/referrals', referral), 201);
  const caseId: string = submitted.id;
  const path = `/v1/referrals/${caseId}`;
  let decided = await waitForPlatform(call, referrer, caseId);
  if (decided.status === 'needs_review') {
    expectOk(await call(coordinator, 'POST', `${path}/decision`, { outcome: 'eligible', note: marker('Decision') }));
    decided = await waitForPlatform(call, referrer, caseId);
  }
  expect(decided).toMatchObject({ status: 'eligible', receiverId: receiver });
  expectOk(await call(receiver, 'POST', `${path}/accept`, { note: marker('Accept') }));
  const schedule = definition.monitoring.visitDaysAfterArrival;
  const arrivedOn = dayFromToday(-(schedule.at(-1)! + 1));
  expectOk(await call(referrer, 'POST', `${path}/departure`, { departedOn: addDays(arrivedOn, -1), escorted: true }));
  expectOk(
    await call(receiver, 'POST', `${path}/arrival`, { arrivedOn, reception: [{ service: 'airport_reception', providedOn: arrivedOn }] })
  );
  const [first] = definition.reintegration.categories;
  const plan = {
    currency: definition.reintegration.currency,
    items: [{ category: first!.category, amount: first!.limit }],
    note: marker('Draft'),
  };
  expectOk(await call(receiver, 'PUT', `${path}/plan`, plan));
  expectOk(await call(coordinator, 'POST', `${path}/plan/return`, { note: marker('Return') }));
  expectOk(await call(receiver, 'PUT', `${path}/plan`, { ...plan, note: marker('Redraft') }));
  expectOk(await call(coordinator, 'POST', `${path}/plan/approve`, { note: marker('Approve') }));

  const payee = { kind: 'provider', name: marker('Payee'), iban: markerIban() };
  const requested = expectOk(
    await call(receiver, 'POST', `${path}/payments`, {
      category: first!.category,
      amount: 1_000,
      currency: plan.currency,
      payee,
      purpose: marker('Purpose'),
    }),
    202
  );
  const payment = `/v1/payments/${requested.id}`;
  await waitFor(async () => expectOk(await call(receiver, 'GET', payment)).status === 'reserved', {
    timeoutMs: 60_000,
    intervalMs: 250,
    description: `payment ${requested.id} reserved`,
  });
  expectOk(await call(coordinator, 'POST', `${payment}/approve`, { note: marker('PaymentApproval') }));
  disclosed.push(expectOk(await call(finance, 'GET', `${payment}/transfer-instructions`)));
  expectOk(await call(finance, 'POST', `${payment}/disbursed`, { transferReference: `SEPA-${run}`, disbursedOn: dayFromToday(0) }));
  disclosed.push(expectOk(await call(receiver, 'GET', payment)));

  for (const days of schedule) {
    const visit = { visitedOn: addDays(arrivedOn, days), outcome: 'on_track', note: marker('Visit') };
    expectOk(await call(receiver, 'POST', `${path}/monitoring-visits`, visit), 201);
  }
  await attachDocument(receiver, path);
  expectOk(await call(coordinator, 'POST', `${path}/close`, { exitReason: 'completed', note: marker('Close') }));
  disclosed.push(expectOk(await call(referrer, 'GET', path)));
  return caseId;
};

/** A document with a marked file name, uploaded, checked and downloaded (README, "Documents"). */
const attachDocument = async (partner: string, path: string): Promise<void> => {
  const bytes = new TextEncoder().encode(`%PDF-1.7\n${'x'.repeat(100)}`);
  const fileName = `${marker('FileName')}.pdf`;
  const attached = expectOk(
    await call(partner, 'POST', `${path}/documents`, {
      kind: 'medical_certificate',
      contentType: 'application/pdf',
      size: bytes.length,
      fileName,
    }),
    201
  );
  const form = new FormData();
  for (const [name, value] of Object.entries(attached.upload.fields as Record<string, string>)) form.append(name, value);
  form.append('file', new Blob([bytes]), fileName);
  expect((await fetch(attached.upload.url, { method: 'POST', body: form })).status).toBe(204);
  const document = `${path}/documents/${attached.id}`;
  await waitFor(async () => (await call(partner, 'GET', document)).status === 200, {
    timeoutMs: 120_000,
    intervalMs: 250,
    description: `document ${attached.id} checked`,
  });
  disclosed.push(expectOk(await call(partner, 'GET', document)));
};

/** Every object key and its metadata in every bucket of the local S3. */
const everyObject = async (): Promise<string[]> => {
  const client = new S3Client({ ...clientConfig(), endpoint: stack.endpoints.s3, forcePathStyle: true });
  const found: string[] = [];
  const { Buckets = [] } = await client.send(new ListBucketsCommand({}));
  for (const { Name: Bucket } of Buckets) {
    for await (const page of paginateListObjectsV2({ client }, { Bucket })) {
      for (const { Key } of page.Contents ?? []) {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
        found.push(`${Bucket} ${Key} ${asText({ metadata: head.Metadata, disposition: head.ContentDisposition })}`);
      }
    }
  }
  client.destroy();
  return found;
};

/** Every item of every table, scanned page by page. */
const everyItem = async (): Promise<string[]> => {
  const client = new DynamoDBClient({ ...clientConfig(), endpoint: stack.endpoints.dynamodb });
  const found: string[] = [];
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  for (const TableName of TableNames) {
    for await (const page of paginateScan({ client }, { TableName })) {
      for (const item of page.Items ?? []) found.push(`${TableName} ${asText(item)}`);
    }
  }
  client.destroy();
  return found;
};

/** Every record of every table's stream, each shard read from its start until it has nothing more. */
const everyStreamRecord = async (): Promise<string[]> => {
  const client = new DynamoDBStreamsClient({ ...clientConfig(), endpoint: stack.endpoints.dynamodb });
  const found: string[] = [];
  const { Streams = [] } = await client.send(new ListStreamsCommand({}));
  for (const { StreamArn } of Streams) {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn }));
    for (const { ShardId } of StreamDescription?.Shards ?? []) {
      let iterator = (await client.send(new GetShardIteratorCommand({ StreamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator;
      // A shard still open always gives a next iterator: read until a page comes back empty, boundedly.
      for (let page = 0; iterator !== undefined && page < 1_000; page += 1) {
        const { Records = [], NextShardIterator } = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
        found.push(...Records.map((record) => asText(record)));
        iterator = Records.length === 0 ? undefined : NextShardIterator;
      }
    }
  }
  client.destroy();
  return found;
};

/** Every message still on any queue (the dead-letter queues included), left where it is. */
const everyQueuedMessage = async (): Promise<string[]> => {
  const client = new SQSClient({ ...clientConfig(), endpoint: stack.endpoints.sqs });
  const found: string[] = [];
  const { QueueUrls = [] } = await client.send(new ListQueuesCommand({}));
  for (const QueueUrl of QueueUrls) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 })
    );
    found.push(...Messages.map((message) => `${QueueUrl} ${message.Body}`));
  }
  client.destroy();
  return found;
};

const everyLogLine = (): string[] => {
  const files = (directory: string): string[] =>
    readdirSync(directory).flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
  return files(logDir).flatMap((file) => readFileSync(file, 'utf8').split('\n'));
};

const everyEmail = async (): Promise<string[]> => {
  const { emails } = (await (await fetch(stack.inboxJsonUrl)).json()) as { emails: Json[] };
  return emails.map((email) => asText(email));
};

describe('personal data at rest and in transit', () => {
  it('lives a CARE and a TACT case through, and leaves no marker anywhere but in the answers to those entitled', {
    timeout: 600_000,
  }, async () => {
    const caseIds = [
      await liveThrough({
        programme: 'tact.json',
        referral: markedReferral(tactReferral(), {}),
        referrer: 'demo-referrer-fr',
        receiver: 'demo-receiver-al',
      }),
      await liveThrough({
        programme: 'care.json',
        // CARE takes adults only, from Africa among other regions: an adult from Morocco referred from Spain.
        referral: markedReferral(tactReferral(), { programmeId: 'CARE', hostCountry: 'ES', originCountry: 'MA' }),
        referrer: 'demo-referrer-es',
        receiver: 'demo-receiver-ma',
      }),
    ];
    expect(caseIds).toHaveLength(2);

    // The search works: the answers to the referrer (the case with its notes), the receiver (the
    // payment) and finance (the transfer instructions) hold every marker between them.
    expect(markersIn(asText(disclosed)).sort()).toEqual([...markers].sort());

    const items = await everyItem();
    expect(items.length).toBeGreaterThan(50);
    expect(
      items.flatMap((item) => markersIn(item)),
      'markers in table items'
    ).toEqual([]);
    const records = await everyStreamRecord();
    expect(records.length).toBeGreaterThan(20);
    expect(
      records.flatMap((record) => markersIn(record)),
      'markers in stream records'
    ).toEqual([]);
    expect(
      (await everyQueuedMessage()).flatMap((message) => markersIn(message)),
      'markers in queue messages'
    ).toEqual([]);
    const lines = everyLogLine();
    expect(lines.length).toBeGreaterThan(20);
    expect(
      lines.flatMap((line) => markersIn(line)),
      'markers in function logs'
    ).toEqual([]);
    const objects = await everyObject();
    expect(objects).toHaveLength(2);
    expect(
      objects.flatMap((object) => markersIn(object)),
      'markers in object keys and metadata'
    ).toEqual([]);
    const emails = await everyEmail();
    expect(emails.length).toBeGreaterThan(5);
    expect(
      emails.flatMap((email) => markersIn(email)),
      'markers in emails'
    ).toEqual([]);
  });

  it('ran every function without an error', () => {
    expect(
      stack.invocations.filter((record) => record.outcome !== 'ok').map((record) => `${record.functionName} ${record.trigger}`)
    ).toEqual([]);
  });
});
