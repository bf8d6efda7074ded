import { afterAll, describe, expect, it } from 'vitest';
import { careMinorReferral, tactReferral } from '../../events/samples/index.ts';
import { registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import type { Json } from '../support/json.ts';
import { list, moveCase, partners, read, submit, withdraw } from '../support/partner-access.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());

describe('withdrawal', () => {
  it('withdraws once, records why in the consent record and the history, and a second withdrawal changes nothing', async () => {
    // Given a submitted case
    const id = (await submit(partners.referrer)).body.id;
    // When the referrer withdraws it, then withdraws it again with another reason
    const first = await withdraw(partners.referrer, id, { reason: 'safety', note: 'Threats from the network in the home town.' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('withdrawn');
    const second = await withdraw(partners.referrer, id, { reason: 'other' });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('withdrawn');

    // Then the first reason is the one recorded, once, and the note stays out of the history
    const view = (await read(partners.referrer, id)).body;
    expect(view.history.filter((entry: { action: string }) => entry.action === 'withdrawn')).toEqual([
      expect.objectContaining({ by: partners.referrer.partnerId, fromStatus: 'submitted', toStatus: 'withdrawn', reason: 'safety' }),
    ]);
    expect(view.consent).toMatchObject({ voluntaryReturn: true, withdrawnBy: partners.referrer.partnerId, withdrawalReason: 'safety' });
    expect(view.notes).toEqual([expect.objectContaining({ text: 'Threats from the network in the home town.' })]);
    expect(JSON.stringify(view.history)).not.toContain('Threats');
  });

  it('the coordinator may withdraw any case; the assigned receiver may not', async () => {
    const id = (await submit(partners.referrer)).body.id;
    await moveCase(id, { status: 'eligible', receiverId: partners.receiver.partnerId });
    expectProblem(await withdraw(partners.receiver, id), 403);
    expect((await withdraw(partners.coordinator, id)).status).toBe(200);
  });

  it.each(['departed', 'arrived', 'closed'])('after departure (%s) it is refused with the current status named', async (status) => {
    const id = (await submit(partners.referrer)).body.id;
    await moveCase(id, { status });
    const response = await withdraw(partners.referrer, id);
    expectProblem(response, 409);
    expect(response.body.currentStatus).toBe(status);
    expect((await cases.get(id))!.case.status).toBe(status);
  });

  it('concurrent withdrawals make one withdrawal', async () => {
    const id = (await submit(partners.referrer)).body.id;
    const responses = await Promise.all(Array.from({ length: 5 }, () => withdraw(partners.referrer, id)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const { history } = (await cases.get(id))!;
    expect(history.filter((entry) => entry.action === 'withdrawn')).toHaveLength(1);
  });

  it('a bad reason is 400', async () => {
    const id = (await submit(partners.referrer)).body.id;
    const response = await withdraw(partners.referrer, id, { reason: 'bored' });
    expectProblem(response, 400);
    expect(response.body.errors[0].path).toBe('reason');
  });
});

describe('consent and the round trip', () => {
  it('the documented example body (events/samples) round-trips every field', async () => {
    const body: Record<string, Json> = {
      ...tactReferral(),
      minor: {
        bestInterestsDetermination: { completedOn: '2026-10-20', returnInBestInterests: true },
        guardianConsent: true,
        escortRequired: true,
      },
      needs: ['medical', 'housing', 'childcare', 'training', 'job_placement', 'business_startup'],
    };
    const created = await submit(partners.referrer, body);
    expect(created.status).toBe(201);
    const view = (await read(partners.referrer, created.body.id)).body;
    expect(view).toMatchObject({ ...body, consent: { ...body.consent, givenBy: 'person' } });
  });

  it('a referral without consent to return is refused and nothing is stored', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    const response = await submit(referrer, {
      ...tactReferral(),
      consent: { voluntaryReturn: false, dataSharing: true, givenOn: '2026-11-02' },
    });
    expectProblem(response, 422);
    expect(response.body.errors).toEqual([{ path: 'consent.voluntaryReturn', message: 'must be true' }]);
    expect((await list(referrer)).body.items).toEqual([]);
  });

  it("without consent to data sharing it is accepted; a minor's consent is recorded as the guardian's", async () => {
    const created = await submit(partners.referrer, careMinorReferral());
    expect(created.status).toBe(201);
    const view = (await read(partners.referrer, created.body.id)).body;
    expect(view.consent).toEqual({ voluntaryReturn: true, dataSharing: false, givenOn: '2026-11-10', givenBy: 'guardian' });
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expect(text).toContain('referral withdrawn');
  expectLogsFreeOfSamples(text, ['Threats from the network']);
});
