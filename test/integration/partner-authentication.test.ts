import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { api, registerPartner } from '../support/api.ts';
import { captureLogs } from '../support/harness.ts';
import { list, type Partner, partners, submit } from '../support/partner-access.ts';
import { expectLogsFreeOfSamples } from '../support/personal-data.ts';
import { expectProblem } from '../support/problem.ts';

const logs = captureLogs();
const { PartnerRepository } = await import('../../functions/adapters/partner-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { createPartner, rotatePartnerKey, setPartnerStatus, listPartners } = await import('../../infra/ops/partner-admin.ts');
const partnersTable = new PartnerRepository(documentClient, process.env.PARTNERS_TABLE_NAME!);

describe('API2 authentication', () => {
  it('a rotated key stops working and the new one works', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-lyon-${randomUUID().slice(0, 6)}`,
      name: 'NGO Lyon',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-lyon.example.org'],
    });
    expect((await list({ key: created.key } as Partner)).status).toBe(200);
    const rotated = await rotatePartnerKey(partnersTable, created.partnerId);
    expectProblem(await list({ key: created.key } as Partner), 401);
    expect((await list({ key: rotated.key } as Partner)).status).toBe(200);
    const stored = (await listPartners(partnersTable)).find((partner) => partner.partnerId === created.partnerId);
    expect(JSON.stringify(stored)).not.toContain(rotated.key);
    expect(stored).not.toHaveProperty('keyHash');
  });

  it('a disabled partner is refused, and enabled again it is let in', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-nice-${randomUUID().slice(0, 6)}`,
      name: 'NGO Nice',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-nice.example.org'],
    });
    await setPartnerStatus(partnersTable, created.partnerId, 'disabled');
    expectProblem(await list({ key: created.key } as Partner), 401);
    await setPartnerStatus(partnersTable, created.partnerId, 'active');
    expect((await list({ key: created.key } as Partner)).status).toBe(200);
  });

  it('a key is never stored in clear', async () => {
    const created = await createPartner(partnersTable, {
      partnerId: `ngo-lille-${randomUUID().slice(0, 6)}`,
      name: 'NGO Lille',
      roles: ['referrer'],
      country: 'FR',
      language: 'fr',
      emails: ['casework@ngo-lille.example.org'],
    });
    const stored = await partnersTable.get(created.partnerId);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(4));
  });

  it('onboarding refuses an invalid partner with the field named', async () => {
    await expect(
      createPartner(partnersTable, {
        partnerId: 'ngo-x',
        name: 'X',
        roles: ['referrer'],
        country: 'XX',
        language: 'fr',
        emails: ['a@b.example'],
      })
    ).rejects.toThrow(/country/);
  });
});

describe('API4 resource consumption', () => {
  it.each(['limit=201', 'limit=0', 'limit=-1', 'limit=ten'])('%s is 400', async (queryString) => {
    const response = await list(partners.referrer, queryString);
    expectProblem(response, 400);
    expect(response.body.errors[0].path).toBe('query.limit');
  });

  it('pages through a list with an opaque cursor that only works for its own list', async () => {
    const referrer = await registerPartner(['referrer'], 'FR');
    for (let index = 0; index < 3; index += 1) await submit(referrer);
    const first = await list(referrer, 'limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.cursor).toEqual(expect.any(String));
    const second = await list(referrer, `limit=2&cursor=${first.body.cursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.cursor).toBeUndefined();
    const ids = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(3);

    const foreign = await list(partners.otherReferrer, `cursor=${first.body.cursor}`);
    expectProblem(foreign, 400);
    expectProblem(await list(referrer, 'cursor=bm90LWEtY3Vyc29y'), 400);
  });

  it('filters by status', async () => {
    const response = await list(partners.coordinator, 'status=eligible');
    expect(response.status).toBe(200);
    expect(response.body.items.length).toBeGreaterThan(0);
    expect(response.body.items.every((item: { status: string }) => item.status === 'eligible')).toBe(true);
    expectProblem(await list(partners.coordinator, 'status=lost'), 400);
  });
});

describe('public routes', () => {
  it('health answers without a key', async () => {
    const response = await api.call('GET /v1/health');
    expect(response).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('the OpenAPI document is served', async () => {
    const response = await api.call('GET /v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
  });
});

afterAll(() => {
  logs.stop();
  const text = logs.text();
  expectLogsFreeOfSamples(text, ['Threats from the network']);
});
