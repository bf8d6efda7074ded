/*
 * `npm run bench`, part 5: what one case costs on AWS. One TACT case goes from submission to
 * closure through the local stack, as its partners take it over HTTP with the demo partners' keys
 * (the steps of test/e2e/tact-case-path.test.ts and test/e2e/payments.test.ts, without vitest):
 * eligibility and the offer by the stream consumers, acceptance, travel, a plan returned once and
 * approved, two payments requested, reserved, approved and disbursed (finance reading the transfer
 * instructions), the monitoring visits, the closure, and every email on the way. What the platform
 * does meanwhile is awaited by reading the tables beside the counting proxies, so the waiting
 * costs nothing counted. The invocations, the AWS requests, the DynamoDB capacity units, the
 * emails and the log bytes it took are priced with prices.ts, then the stack's fixed monthly cost.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { addDays } from '../../events/dates.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { disbursementExample, paymentRequestExample } from '../../events/samples/payments.ts';
import { PaymentRepository } from '../../functions/adapters/payment-repository.ts';
import { print, table } from './bench-output.ts';
import { type CaseUsage, type CostLine, fixedMonthly, priceCase, withNestedStacks } from './cost-model.ts';
import { type LocalStack, startLocalStack } from './local-stack.ts';
import { priceRegion, pricesTakenOn } from './prices.ts';
import { localCredentials } from './provision.ts';
import { localRegion } from './template.ts';
import { shortId } from './timing.ts';

const WaitTimeoutMs = 60_000;
/** The platform is done with the case once no function has run for this long. */
const SettledAfterMs = 3_000;

export async function measureCaseCost(cdkOutDir: string): Promise<void> {
  const logDir = join(tmpdir(), `trm-bench-cost-logs-${process.pid}`);
  const stack = await startLocalStack({ cdkOutDir, port: 0, countRequests: true, logDir });
  const client = new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.dynamodb });
  try {
    const counter = stack.requestCounter;
    if (counter === undefined) throw new Error('the stack was started without countRequests');
    // Cold starts are not priced: on AWS a programme's steady trickle of cases meets warm
    // environments mostly, and here the warm-up of every function would compete with the case.
    await stack.warmed();
    await settled(stack);
    const firstRecord = stack.invocations.length;
    const emailsBefore = (await inbox(stack)).length;
    const logBytesBefore = directoryBytes(logDir);
    counter.reset();
    const driver = new CaseDriver(stack, DynamoDBDocumentClient.from(client));
    const reference = await driver.run();
    await settled(stack);

    const records = stack.invocations.slice(firstRecord).filter((record) => !record.trigger.startsWith('rule '));
    const failed = records.filter((record) => record.outcome !== 'ok');
    const specs = new Map(stack.functions().map((spec) => [spec.logicalId, spec]));
    const byFunction = new Map<string, CaseUsage['functions'][number]>();
    for (const record of records) {
      const usage = byFunction.get(record.functionId) ?? {
        functionName: shortId(record.functionName),
        memoryMb: specs.get(record.functionId)?.memoryMb ?? 128,
        invocations: 0,
        billedMs: 0,
      };
      usage.invocations += 1;
      usage.billedMs += Math.ceil(record.durationMs);
      byFunction.set(record.functionId, usage);
    }
    const emails = (await inbox(stack)).slice(emailsBefore);
    const usage: CaseUsage = {
      functions: [...byFunction.values()],
      requests: counter.stats(),
      apiRequests: driver.apiRequests,
      emailRecipients: emails.reduce(
        (sum, email) => sum + email.destination.to.length + (email.destination.cc?.length ?? 0) + (email.destination.bcc?.length ?? 0),
        0
      ),
      queueTriggeredInvocations: records.filter((record) => record.trigger.startsWith('queue ')).length,
      logBytes: directoryBytes(logDir) - logBytesBefore,
    };
    print(
      `One TACT case (${reference}): ${driver.apiRequests} API requests, ${records.length} invocations (${failed.length} not ok), ${emails.length} emails; prices: ${priceRegion} list prices, ${pricesTakenOn}`
    );
    table(
      ['function', 'memory', 'invocations', 'billed duration'],
      usage.functions
        .sort((a, b) => b.billedMs - a.billedMs)
        .map((fn) => [fn.functionName, `${fn.memoryMb} MB`, String(fn.invocations), `${fn.billedMs} ms`])
    );
    const perCase = priceCase(usage);
    const total = perCase.reduce((sum, line) => sum + line.usd, 0);
    table(
      ['service', 'one case used', 'USD per case', 'USD per 1,000 cases'],
      [
        ...perCase.map((line) => [line.service, line.quantity, usd(line.usd), usd(line.usd * 1000)]),
        ['total', '', usd(total), usd(total * 1000)],
      ]
    );
    print(
      "Lambda's billed duration is this machine's: a loaded laptop-class machine runs slower than a Lambda at 512 MB, so it overstates; cold starts are left out (the stack warms every function at start)."
    );
    print();
    const fixed = fixedMonthly(withNestedStacks(cdkOutDir));
    printFixed(fixed);
  } finally {
    client.destroy();
    await stack.stop();
  }
}

function printFixed(lines: CostLine[]): void {
  const total = lines.reduce((sum, line) => sum + line.usd, 0);
  print("The stack's fixed monthly cost, from the template's resources (before any case)");
  table(
    ['resource', 'in the template', 'USD per month'],
    [...lines.map((line) => [line.service, line.quantity, usd(line.usd)]), ['total', '', usd(total)]]
  );
}

const usd = (value: number): string => (value === 0 ? '0' : value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(2)}`);

/** One case through the routes, as its partners take it; the platform's steps are awaited in the tables. */
class CaseDriver {
  apiRequests = 0;
  private readonly casesTable: string;

  constructor(
    private readonly stack: LocalStack,
    private readonly documents: DynamoDBDocumentClient
  ) {
    const table = Object.entries(stack.resources).find(([id]) => /^DataCases[0-9A-F]{8}$/.test(id))?.[1].ref;
    if (table === undefined) throw new Error('no cases table in the template');
    this.casesTable = table;
  }

  async run(): Promise<string> {
    const referrer = 'demo-referrer-fr';
    const receiver = 'demo-receiver-al';
    const coordinator = 'demo-coordinator';
    const finance = 'demo-finance';
    const submitted = await this.call(referrer, 'POST', '/v1/referrals', tactReferral(), 201);
    const caseId = String(submitted.id);
    const path = `/v1/referrals/${caseId}`;
    await this.until('the case assessed and offered', async () => {
      const item = await this.caseItem(caseId);
      return item?.status === 'eligible' && item.receiverId !== undefined;
    });
    await this.call(receiver, 'POST', `${path}/accept`, {});
    const travelledOn = dayFromToday(-366);
    await this.call(referrer, 'POST', `${path}/departure`, { plannedOn: travelledOn });
    await this.call(referrer, 'POST', `${path}/departure`, { departedOn: travelledOn, escorted: false });
    await this.call(receiver, 'POST', `${path}/arrival`, {
      arrivedOn: travelledOn,
      reception: [{ service: 'airport_reception', providedOn: travelledOn }],
    });
    const draft = { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] };
    await this.call(receiver, 'PUT', `${path}/plan`, draft);
    await this.call(coordinator, 'POST', `${path}/plan/return`, { note: 'Add the training.' });
    await this.call(receiver, 'PUT', `${path}/plan`, { ...draft, items: [...draft.items, { category: 'training', amount: 40_000 }] });
    await this.call(coordinator, 'POST', `${path}/plan/approve`, {});
    for (const category of ['medical', 'training']) await this.payment(caseId, category, { receiver, coordinator, finance });
    for (const [index, days] of [91, 182, 365].entries()) {
      const visitedOn = addDays(travelledOn, days);
      await this.call(receiver, 'POST', `${path}/monitoring-visits`, { visitedOn, outcome: 'on_track' }, 201, `visit ${index + 1}`);
    }
    await this.call(coordinator, 'GET', path);
    await this.call(coordinator, 'POST', `${path}/close`, { exitReason: 'completed' });
    return String(submitted.reference);
  }

  private async payment(caseId: string, category: string, by: { receiver: string; coordinator: string; finance: string }): Promise<void> {
    const requested = await this.call(by.receiver, 'POST', `/v1/referrals/${caseId}/payments`, { ...paymentRequestExample, category }, 202);
    const paymentId = String(requested.id);
    const payments = new PaymentRepository(this.documents, this.casesTable);
    await this.until(`payment ${paymentId} reserved`, async () => (await payments.get(paymentId))?.status === 'reserved');
    await this.call(by.coordinator, 'POST', `/v1/payments/${paymentId}/approve`, {});
    await this.call(by.finance, 'GET', `/v1/payments/${paymentId}/transfer-instructions`);
    await this.call(by.finance, 'POST', `/v1/payments/${paymentId}/disbursed`, disbursementExample(dayFromToday(0)));
  }

  private async call(partnerId: string, method: string, path: string, body?: unknown, status = 200, step = `${method} ${path}`) {
    const partner = this.stack.partners.find((candidate) => candidate.id === partnerId);
    if (partner === undefined) throw new Error(`no demo partner ${partnerId}`);
    this.apiRequests += 1;
    const response = await fetch(`${this.stack.apiUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${partner.key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status !== status) throw new Error(`${step}: ${response.status} ${JSON.stringify(answer)}`);
    return answer;
  }

  private async caseItem(caseId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.documents.send(new GetCommand({ TableName: this.casesTable, Key: { pk: `CASE#${caseId}`, sk: 'CASE' } }));
    return Item;
  }

  private async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const started = Date.now();
    while (!(await done())) {
      if (Date.now() - started > WaitTimeoutMs) throw new Error(`${what}: not within ${WaitTimeoutMs / 1000} s`);
      await delay(100);
    }
  }
}

/** Waits until no function has run for a while: the stream and queue consumers are done. */
async function settled(stack: LocalStack): Promise<void> {
  const started = Date.now();
  let count = stack.invocations.length;
  let quietSince = Date.now();
  while (Date.now() - quietSince < SettledAfterMs && Date.now() - started < WaitTimeoutMs) {
    await delay(200);
    if (stack.invocations.length !== count) {
      count = stack.invocations.length;
      quietSince = Date.now();
    }
  }
}

interface StoredEmail {
  destination: { to: string[]; cc?: string[]; bcc?: string[] };
}

async function inbox(stack: LocalStack): Promise<StoredEmail[]> {
  return ((await (await fetch(stack.inboxJsonUrl)).json()) as { emails: StoredEmail[] }).emails;
}

function directoryBytes(directory: string): number {
  try {
    return readdirSync(directory).reduce((sum, name) => sum + statSync(join(directory, name)).size, 0);
  } catch {
    return 0;
  }
}

function dayFromToday(days: number): string {
  return addDays(new Date().toISOString().slice(0, 10), days);
}
