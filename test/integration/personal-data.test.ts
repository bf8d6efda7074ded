import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { paymentRequest } from '../../events/samples/payments.ts';
import { personalPathsIn } from '../../functions/adapters/personal-fields.ts';
import { api } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import {
  coordinator,
  finance,
  ledgerOf,
  otherReceiver,
  type Partner,
  receiver,
  referrer,
  requestAndProcess,
  today,
} from '../support/payment-parties.ts';
import {
  getPayment,
  itemsOfCase,
  listPayments,
  moveCase,
  paymentStep,
  transferInstructions,
  writeApprovedPlan,
} from '../support/payments.ts';
import { distinctiveReferral, expectLogsFreeOfSamples, expectNoPersonalValue, personalValuesOf } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();

/** Free text no item of an erased case may hold any more (the referral's values come from `distinctiveReferral`). */
const marker = {
  payeeName: 'Ndërmarrja Shënjuese-Zogaj',
  purpose: 'Purpose marker Qershizë-Lulebore',
  approvalNote: 'Approval marker Vjollcë-Kodrinë',
  caseNote: 'Case note marker Dardhëza-Malore',
  decisionNote: 'Decision marker Shtëpizë-Përroi',
};

/**
 * A case in reintegration with every kind of personal value: the person and who identified them,
 * a coordinator's decision note, a case note, and an approved payment with its payee, purpose and a
 * step note. The note and the decision stand in for the routes that would have written them.
 */
const caseWithPersonalData = async () => {
  const referral = distinctiveReferral();
  const submitted = await api.call('POST /v1/referrals', { key: referrer.key, body: referral });
  expect(submitted.status).toBe(201);
  const caseId = submitted.body.id as string;
  const plan = await writeApprovedPlan(caseId, { currency: 'EUR', items: [{ category: 'medical', amount: 50_000 }] }, 'coordinator-setup');
  const at = new Date().toISOString();
  const noteId = `${at}#${coordinator.partnerId}`;
  // Written straight to the table, so sealed here as the routes that write them would.
  const { seal } = await personalDataAccess();
  await moveCase(
    caseId,
    {
      status: 'reintegrating',
      receiverId: receiver.partnerId,
      approvedPlanVersion: plan.version,
      eligibility: {
        outcome: 'eligible',
        reasons: [],
        decidedAt: at,
        decidedBy: coordinator.partnerId,
        note: await seal!.seal(caseId, 'case.eligibility.note', marker.decisionNote),
      },
    },
    [
      {
        sk: `NOTE#${noteId}`,
        id: noteId,
        at,
        by: coordinator.partnerId,
        action: 'noted',
        text: await seal!.seal(caseId, `note.text#${noteId}`, marker.caseNote),
      },
    ]
  );
  const payment = await requestAndProcess(
    caseId,
    paymentRequest({
      amount: 7_000,
      payee: { kind: 'provider', name: marker.payeeName, iban: 'AL47212110090000000235698741' },
      purpose: marker.purpose,
    })
  );
  expect((await paymentStep(coordinator, 'approve', payment.id, { note: marker.approvalNote })).status).toBe(200);
  return { caseId, paymentId: payment.id as string, values: [...personalValuesOf(referral), ...Object.values(marker)] };
};

/** Every item of a case's partition, whatever its kind. */
const wholePartition = async (caseId: string) => {
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  const page = await documentClient.send(
    new QueryCommand({
      TableName: process.env.CASES_TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `CASE#${caseId}` },
      ConsistentRead: true,
    })
  );
  expect(page.LastEvaluatedKey).toBeUndefined();
  return page.Items ?? [];
};

const readCase = (partner: Pick<Partner, 'key'>, id: string) => api.call('GET /v1/referrals/{id}', { key: partner.key, id });
const accessLog = (partner: Pick<Partner, 'key'>, id: string, query = '') =>
  api.call('GET /v1/referrals/{id}/access-log', { key: partner.key, id, query });
const erase = (partner: Pick<Partner, 'key'>, id: string, body: Json = { reason: 'subject_request' }, idempotencyKey = randomUUID()) =>
  api.call('POST /v1/referrals/{id}/erase', { key: partner.key, id, body, headers: { 'Idempotency-Key': idempotencyKey } });

/** Every entry of a case's access log, page by page (two per page, so the cursor is exercised). */
const wholeAccessLog = async (caseId: string) => {
  const entries: Array<Record<string, Json>> = [];
  let cursor: string | undefined;
  do {
    const page = await accessLog(coordinator, caseId, `limit=2${cursor === undefined ? '' : `&cursor=${cursor}`}`);
    expect(page.status, page.raw).toBe(200);
    entries.push(...page.body.items);
    cursor = page.body.cursor;
  } while (cursor !== undefined);
  return entries;
};
const described = (entries: Array<Record<string, Json>>) =>
  entries.map(({ partnerId, role, view, paymentId }) => [partnerId, role, view, paymentId ?? null].join(' '));

describe('the access log', () => {
  it('records each disclosure of personal data (routes × roles) and nothing for views without it', async () => {
    const { caseId, paymentId } = await caseWithPersonalData();
    // The setup read the payment as the coordinator: that is a disclosure already.
    const setup = await wholeAccessLog(caseId);
    expect(described(setup)).toEqual([`${coordinator.partnerId} coordinator payment ${paymentId}`]);

    // Disclosures, one entry each, in this order.
    const disclosures: Array<[Partner, () => Promise<{ status: number }>, string]> = [
      [referrer, () => readCase(referrer, caseId), `${referrer.partnerId} referrer case `],
      [receiver, () => readCase(receiver, caseId), `${receiver.partnerId} receiver case `],
      [coordinator, () => readCase(coordinator, caseId), `${coordinator.partnerId} coordinator case `],
      [receiver, () => getPayment(receiver, paymentId), `${receiver.partnerId} receiver payment ${paymentId}`],
      [coordinator, () => listPayments(coordinator, caseId), `${coordinator.partnerId} coordinator payment_list `],
      [finance, () => transferInstructions(finance, paymentId), `${finance.partnerId} finance transfer_instructions ${paymentId}`],
      [finance, () => transferInstructions(finance, paymentId), `${finance.partnerId} finance transfer_instructions ${paymentId}`],
    ];
    for (const [, call] of disclosures) expect((await call()).status).toBe(200);

    // Views without personal data, or refused: no entry.
    const quiet = [
      await readCase(finance, caseId),
      await getPayment(finance, paymentId),
      await listPayments(finance, caseId),
      await api.call('GET /v1/referrals', { key: coordinator.key }),
      await api.call('GET /v1/referrals', { key: finance.key }),
      await api.call('GET /v1/payments/export', { key: finance.key, query: `from=${today()}&to=${today()}` }),
      await api.call('GET /v1/programmes/{id}/figures', { key: coordinator.key, id: 'TACT' }),
      await accessLog(coordinator, caseId),
    ];
    expect(quiet.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    expectProblem(await readCase(otherReceiver, caseId), 404);
    expectProblem(await transferInstructions(receiver, paymentId), 403);

    const entries = (await wholeAccessLog(caseId)).slice(setup.length);
    expect(described(entries)).toEqual(disclosures.map(([, , entry]) => entry));
    for (const entry of entries) expect(Object.keys(entry).sort()).toEqual(expect.arrayContaining(['at', 'partnerId', 'role', 'view']));
    expect(JSON.stringify(entries)).not.toContain(marker.payeeName);

    // The payment's own record of who saw the bank details agrees with the log.
    const sittings = (await getPayment(coordinator, paymentId)).body.payeeDisclosures as Array<{ by: string; count: number }>;
    const logged = entries.filter((entry) => entry.view === 'transfer_instructions');
    expect(sittings.reduce((total, sitting) => total + sitting.count, 0)).toBe(logged.length);
  });

  it('is for coordinators only, and its cursor opens for no other case', async () => {
    const { caseId } = await caseWithPersonalData();
    const other = await caseWithPersonalData();
    for (const partner of [referrer, receiver, finance]) expectProblem(await accessLog(partner, caseId), 403);
    await readCase(referrer, other.caseId);
    await readCase(receiver, other.caseId);
    await readCase(coordinator, other.caseId);
    const first = await accessLog(coordinator, other.caseId, 'limit=1');
    expect(first.body.cursor).toEqual(expect.any(String));
    expectProblem(await accessLog(coordinator, caseId, `cursor=${first.body.cursor}`), 400);
  });

  it('sends nothing when the entry cannot be written (the log table is not there)', async () => {
    const { caseId, paymentId, values } = await caseWithPersonalData();
    const disclosuresBefore = (await getPayment(coordinator, paymentId)).body.payeeDisclosures;
    const logEntriesBefore = (await wholeAccessLog(caseId)).length;
    // The handlers built against a table that does not exist: DynamoDB Local refuses the write for real.
    vi.stubEnv('ACCESS_LOG_TABLE_NAME', `missing-${randomUUID()}`);
    vi.resetModules();
    const broken = {
      getReferral: (await import('../../functions/get-referral.ts')).handler,
      transferInstructions: (await import('../../functions/get-transfer-instructions.ts')).handler,
    };
    vi.unstubAllEnvs();
    vi.resetModules();
    const refusedCase = await api.call('GET /v1/referrals/{id}', { key: coordinator.key, id: caseId, handler: broken.getReferral });
    const refusedPayee = await api.call('GET /v1/payments/{id}/transfer-instructions', {
      key: finance.key,
      id: paymentId,
      handler: broken.transferInstructions,
    });
    for (const refused of [refusedCase, refusedPayee]) {
      expectProblem(refused, 503, 'disclosure-not-recorded');
      expect(refused.headers['retry-after']).toBe('1');
      expectNoPersonalValue('the refused answer', refused.raw, values);
    }
    expect((await getPayment(coordinator, paymentId)).body.payeeDisclosures).toEqual(disclosuresBefore);
    // The coordinator's read of the payment above is itself a disclosure; the refused ones are not.
    expect((await wholeAccessLog(caseId)).length).toBe(logEntriesBefore + 1);
  });
});

describe('erasure', () => {
  it('removes every personal value of the case and keeps status, history, reference, figures and ledger', async () => {
    const { caseId, paymentId, values } = await caseWithPersonalData();
    const before = (await readCase(coordinator, caseId)).body;
    expect(before.person).toBeDefined();
    // The figures without the moment they were computed at.
    const figures = async () => {
      const { asOf: _asOf, ...counts } = (await api.call('GET /v1/programmes/{id}/figures', { key: coordinator.key, id: 'TACT' })).body;
      return counts;
    };
    const controlTotals = async () =>
      (await api.call('GET /v1/payments/export', { key: finance.key, query: `from=${today()}&to=${today()}` })).body.controlTotals;
    const figuresBefore = await figures();
    const totalsBefore = await controlTotals();
    const ledgerBefore = await ledgerOf(caseId);
    const budgetBefore = await itemsOfCase(caseId, 'BUDGET#');

    const erased = await erase(coordinator, caseId, { reason: 'subject_request', note: 'Asked by the person through the referrer.' });
    expect(erased.status, erased.raw).toBe(200);
    expect(erased.body).toEqual({
      id: caseId,
      reference: before.reference,
      status: 'reintegrating',
      personalData: { erasedAt: expect.any(String), erasedBy: coordinator.partnerId, reason: 'subject_request' },
    });

    const after = (await readCase(coordinator, caseId)).body;
    expect(after.person).toBeUndefined();
    expect(after.personalData).toEqual(erased.body.personalData);
    expect((await readCase(finance, caseId)).body.personalData).toEqual(erased.body.personalData);
    expect(after).toMatchObject({ status: before.status, reference: before.reference, programmeId: before.programmeId });
    expect(after.history.slice(0, -1)).toEqual(before.history);
    expect(after.history.at(-1)).toMatchObject({ by: coordinator.partnerId, action: 'personal_data_erased', reason: 'subject_request' });

    const caseItems = await wholePartition(caseId);
    expectNoPersonalValue('the erased case partition', JSON.stringify(caseItems), values);
    // The values are sealed at rest, so the markers alone would pass before an erasure too: the
    // personal attributes themselves, sealed or not, must be gone, but the eraser's note (sealed).
    const kindOf = (sk: string) =>
      sk === 'CASE' ? 'case' : sk.startsWith('PAYMENT#') ? 'payment' : sk.startsWith('NOTE#') ? 'note' : undefined;
    const personalLeft = caseItems.flatMap((item) => {
      const kind = kindOf(String(item.sk));
      if (kind === undefined || item.action === 'personal_data_erased') return [];
      return personalPathsIn(kind, item).map((path) => `${item.sk} ${path}`);
    });
    expect(personalLeft).toEqual([]);
    expect(await figures()).toEqual(figuresBefore);
    expect(await controlTotals()).toEqual(totalsBefore);
    expect(await ledgerOf(caseId)).toEqual(ledgerBefore);
    expect(await itemsOfCase(caseId, 'BUDGET#')).toEqual(budgetBefore);

    const payment = (await getPayment(coordinator, paymentId)).body;
    expect(payment).toMatchObject({ status: 'approved', amount: 7_000, payee: { kind: 'provider' } });
    expect(payment.payee.name).toBeUndefined();
    expectProblem(await transferInstructions(finance, paymentId), 409, 'personal-data-erased');
  });

  it('erasing twice is one erasure with the same answer; only coordinators erase', async () => {
    const { caseId } = await caseWithPersonalData();
    for (const partner of [referrer, receiver, finance]) expectProblem(await erase(partner, caseId), 403);
    const first = await erase(coordinator, caseId);
    const again = await erase(coordinator, caseId, { reason: 'other' });
    const retried = await erase(coordinator, caseId, { reason: 'subject_request' });
    expect([first.status, again.status, retried.status]).toEqual([200, 200, 200]);
    expect(again.body).toEqual(first.body);
    expect(retried.body).toEqual(first.body);
    const history = (await readCase(coordinator, caseId)).body.history as Array<{ action: string }>;
    expect(history.filter((entry) => entry.action === 'personal_data_erased')).toHaveLength(1);
    const logged = (await wholeAccessLog(caseId)).length;
    await readCase(coordinator, caseId);
    expect((await wholeAccessLog(caseId)).length).toBe(logged);
  });
});

describe('retention', () => {
  /** One run of the retention job, as EventBridge invokes it. */
  const runRetention = async (at: Date) => {
    const { handler } = await import('../../functions/erase-expired.ts');
    return handler(
      {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        resources: ['arn:aws:events:eu-west-3:000000000000:rule/DailyRetention'],
        detail: {},
      },
      lambdaContext('EraseExpired', 300_000)
    );
  };
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  it("erases, once and with reason retention, the cases whose programme's retention period after their end is over", async () => {
    const due = await caseWithPersonalData();
    const recent = await caseWithPersonalData();
    const ongoing = await caseWithPersonalData();
    const ended = (closedAt: string) => ({
      status: 'closed',
      updatedAt: closedAt,
      closure: { exitReason: 'completed', closedAt, closedBy: coordinator.partnerId, statusBeforeClosure: 'monitoring' },
    });
    await moveCase(due.caseId, ended(daysAgo(731)));
    await moveCase(recent.caseId, ended(daysAgo(10)));
    await moveCase(ongoing.caseId, { updatedAt: daysAgo(900) });

    await runRetention(new Date());
    await runRetention(new Date());

    const erasedCase = (await readCase(coordinator, due.caseId)).body;
    expect(erasedCase.personalData).toEqual({ erasedAt: expect.any(String), erasedBy: 'system', reason: 'retention' });
    expect(erasedCase.history.filter((entry: { action: string }) => entry.action === 'personal_data_erased')).toHaveLength(1);
    expectNoPersonalValue('the case erased by retention', JSON.stringify(await wholePartition(due.caseId)), due.values);
    for (const kept of [recent, ongoing]) {
      const body = (await readCase(coordinator, kept.caseId)).body;
      expect(body.personalData).toBeUndefined();
      expect(body.person).toBeDefined();
    }
  });
});

afterAll(() => {
  logs.stop();
  expectLogsFreeOfSamples(logs.text(), Object.values(marker));
});
