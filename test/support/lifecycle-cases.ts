import { beforeAll, expect } from 'vitest';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import { api, registerPartner } from './api.ts';
import { placeCase } from './case-setup.ts';
import { dayFromToday } from './lifecycle.ts';

/**
 * The partners and steps the case lifecycle integration tests (test/integration/case-*.test.ts) share.
 * Importing this module registers the hook that registers the partners before the file's tests.
 */
export type Partner = Awaited<ReturnType<typeof registerPartner>>;
export let referrer: Partner;
export let receiver: Partner;
export let otherReceiver: Partner;
export let coordinator: Partner;

beforeAll(async () => {
  [referrer, receiver, otherReceiver, coordinator] = await Promise.all([
    registerPartner(['referrer'], 'FR'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['receiver'], 'AL'),
    registerPartner(['coordinator'], 'FR'),
  ]);
});

export const today = dayFromToday(0);
export const samples = lifecycleSamples(today);
/** The cases here are TACT cases: what arrival schedules follows TACT's data file. */
export const tactMonitoring = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']).monitoring;

export const submit = async (body: unknown = tactReferral()): Promise<string> => {
  const response = await api.call('POST /v1/referrals', { key: referrer.key, body });
  expect(response.status).toBe(201);
  return response.body.id;
};

/** Puts a case where a test needs it, as the other lifecycle steps would have left it. */
export const moveCase = placeCase;

/** A case offered to `receiver` and accepted, through the routes. */
export const acceptedCase = async (body: unknown = tactReferral()): Promise<string> => {
  const id = await submit(body);
  await moveCase(id, { status: 'eligible', receiverId: receiver.partnerId });
  expect((await api.call('POST /v1/referrals/{id}/accept', { key: receiver.key, id, body: {} })).status).toBe(200);
  return id;
};

/** A case that arrived `daysAgo` days ago, through the routes. */
export const arrivedCase = async (daysAgo = 0): Promise<string> => {
  const id = await acceptedCase();
  expect(
    (await api.call('POST /v1/referrals/{id}/departure', { key: referrer.key, id, body: { departedOn: dayFromToday(-daysAgo) } })).status
  ).toBe(200);
  const arrival = { arrivedOn: dayFromToday(-daysAgo), reception: [{ service: 'airport_reception', providedOn: dayFromToday(-daysAgo) }] };
  expect((await api.call('POST /v1/referrals/{id}/arrival', { key: receiver.key, id, body: arrival })).status).toBe(200);
  return id;
};

export const read = async (id: string, key = coordinator.key) => (await api.call('GET /v1/referrals/{id}', { key, id })).body;
