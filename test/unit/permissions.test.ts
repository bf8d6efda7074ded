import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import type { CaseItem, CaseStatus } from '../../events/case.ts';
import { type Actor, type CasePermission, type PaymentPermission, permissions } from '../../events/permissions.ts';
import type { Role } from '../../events/primitives.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { type ApiRoute, apiRoutes, permissionsOf, type RouteKey, rolesFor, routeKeyOf } from '../../events/routes.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { lifecycleSamples } from '../../events/samples/lifecycle.ts';
import type { CaseDecider } from '../../functions/commons/case-action.ts';
import type { CaseActor, Decision } from '../../functions/domain/case-decision.ts';
import { type CaseAction, caseActions } from '../../functions/domain/case-lifecycle.ts';
import { paymentActions } from '../../functions/domain/payment-lifecycle.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';

/**
 * Who may do what is declared once (events/permissions.ts). These tests fail when a route and the
 * action it takes disagree: a domain transition whose actors are written out instead of taken from
 * the table, a route whose roles differ from its action's actors, or a route wired to the decider
 * of another action.
 */

const nonSystem = (actors: readonly Actor[]): Role[] => actors.filter((actor): actor is Role => actor !== 'system');
const sorted = (roles: readonly Role[]): Role[] => [...roles].sort();

const partnerRoutes = apiRoutes.filter((route) => route.permission !== 'public');
const routesNaming = (permission: string): ApiRoute[] =>
  partnerRoutes.filter((route) => (permissionsOf(route) as readonly string[]).includes(permission));

describe('the case lifecycle takes its actors from the table', () => {
  const actions = Object.keys(caseActions) as CaseAction[];

  it.each(actions)('%s: `by` is the table entry itself, not a copy of it', (action) => {
    expect(caseActions[action].by).toBe(permissions.case[action]);
  });

  it('every case permission but submitting and reading is a lifecycle action', () => {
    expect(Object.keys(permissions.case).sort()).toEqual([...actions, 'read', 'submit'].sort());
  });
});

describe('the payment actions take their actors from the table', () => {
  const actions = Object.keys(paymentActions) as Array<keyof typeof paymentActions>;

  it.each(actions)('%s', (action) => {
    expect(paymentActions[action].by).toBe(permissions.payment[action]);
  });

  it.each(partnerRoutes.filter((route) => permissionsOf(route).some((permission) => permission.startsWith('payment.'))))(
    '$method $path grants exactly the roles of the payment action it takes',
    (route) => {
      const expected = permissionsOf(route).flatMap((permission) => {
        const action = permission.replace('payment.', '') as PaymentPermission;
        return nonSystem(action in paymentActions ? paymentActions[action as keyof typeof paymentActions].by : permissions.payment[action]);
      });
      expect(sorted(rolesFor(routeKeyOf(route) as RouteKey))).toEqual(sorted([...new Set(expected)]));
    }
  );
});

describe('routes grant exactly the actors of the case actions they take', () => {
  it.each(partnerRoutes.filter((route) => permissionsOf(route).some((permission) => permission.startsWith('case.'))))(
    '$method $path',
    (route) => {
      const expected = permissionsOf(route).flatMap((permission) => {
        const action = permission.replace('case.', '') as CasePermission;
        return nonSystem(action in caseActions ? caseActions[action as CaseAction].by : permissions.case[action]);
      });
      expect(sorted(rolesFor(routeKeyOf(route) as RouteKey))).toEqual(sorted([...new Set(expected)]));
    }
  );

  it.each(Object.keys(caseActions) as CaseAction[])('%s has a route exactly when a partner may take it', (action) => {
    const routes = routesNaming(`case.${action}`);
    if (nonSystem(caseActions[action].by).length === 0) expect(routes).toEqual([]);
    else expect(routes).not.toEqual([]);
  });
});

/**
 * The case-action entry files, with `caseActionHandler` replaced by a recorder of what each is
 * wired to: its route and its decider. A decider asked by a partner with no role on the case must
 * refuse the action it takes, which must be one its route names.
 */
const wired = vi.hoisted(() => {
  process.env.CASES_TABLE_NAME ??= 'cases';
  process.env.PARTNERS_TABLE_NAME ??= 'partners';
  process.env.AWS_REGION ??= 'eu-west-1';
  // The entry files that seal notes build their cipher at import; nothing calls KMS here.
  process.env.PERSONAL_DATA_KEY_ARN ??= 'arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-4000-8000-000000000000';
  return [] as Array<{ routeKey: RouteKey; bodySchema: z.ZodMiniType; decide: CaseDecider<unknown, unknown> }>;
});

vi.mock('#commons/case-action', () => ({
  caseActionHandler: (routeKey: RouteKey, bodySchema: z.ZodMiniType, decide: CaseDecider<unknown, unknown>) => {
    const entry = { routeKey, bodySchema, decide };
    wired.push(entry);
    return entry;
  },
}));
// Not stand-ins for an emulator: nothing here sends a request. They only keep the entry files' module
// scope (a programme catalogue, a partner table for reassignments) from needing a stage at import, since
// this test reads how each entry is wired and asks its decider, never its repositories.
vi.mock('#commons/programmes', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  stageProgrammes: () => ({ get: () => undefined, all: () => [] }),
}));
vi.mock('#adapters/partner-repository', () => ({
  PartnerRepository: class {
    async get() {
      return undefined;
    }
  },
}));

const today = new Date().toISOString().slice(0, 10);
const samples = lifecycleSamples(today);

/** Bodies (and the case's status) that lead each entry to each of the actions it may take. */
const probes: Record<string, Array<{ body: unknown; status?: CaseStatus; changes?: Partial<CaseItem> }>> = {
  'withdraw-referral': [{ body: { reason: 'other' }, status: 'submitted' }],
  'decide-referral': [
    { body: { outcome: 'eligible', note: 'Fine.' }, status: 'needs_review' },
    { body: { outcome: 'ineligible', note: 'No.' }, status: 'needs_review' },
  ],
  'accept-referral': [{ body: samples.accept }],
  'decline-referral': [{ body: samples.decline }],
  'reassign-referral': [{ body: { receiverId: 'receiver-al-2' } }],
  'record-departure': [
    { body: samples.departure, status: 'accepted' },
    { body: { plannedOn: today }, status: 'accepted' },
  ],
  'record-arrival': [
    { body: samples.arrival, status: 'departed' },
    { body: samples.arrival, status: 'arrived', changes: { arrival: { arrivedOn: today, reception: [] } } },
  ],
  'draft-plan': [{ body: samples.plan, status: 'arrived' }],
  'approve-plan': [{ body: samples.approvePlan, status: 'arrived', changes: { planStatus: 'submitted' } }],
  'return-plan': [{ body: samples.returnPlan, status: 'arrived', changes: { planStatus: 'submitted' } }],
  'record-visit': [{ body: samples.visit, status: 'monitoring' }],
  'close-referral': [{ body: samples.close, status: 'monitoring' }],
  'reopen-referral': [{ body: samples.reopen, status: 'closed' }],
};

const storedCase = (status: CaseStatus, changes: Partial<CaseItem> = {}) => {
  const created = newCaseFromReferral(
    referralRequestSchema.parse(tactReferral()),
    { caseId: randomUUID(), reference: 'TACT-FR-000042', referrerId: 'referrer-fr-1' },
    new Date()
  );
  const item: CaseItem = { ...created.case, receiverId: 'receiver-al-1', status, ...changes };
  return { case: item, history: [], notes: [], plans: [], visits: [], view: 'full' as const, rolesOnCase: [] };
};

const entryFiles = readdirSync(new URL('../../functions/', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .filter((file) => readFileSync(new URL(`../../functions/${file}`, import.meta.url), 'utf8').includes('caseActionHandler('))
  .map((file) => file.replace(/\.ts$/, ''));

describe('every case-action entry file takes the action its route names', () => {
  it('finds the entry files', () => {
    expect(entryFiles).toEqual(expect.arrayContaining(['accept-referral', 'withdraw-referral', 'decide-referral']));
    expect(Object.keys(probes).sort()).toEqual([...entryFiles].sort());
  });

  it.each(entryFiles)('%s', async (file) => {
    wired.length = 0;
    await import(`../../functions/${file}.ts`);
    expect(wired).toHaveLength(1);
    const [{ routeKey, bodySchema, decide }] = wired as [(typeof wired)[number]];
    const route = apiRoutes.find((candidate) => routeKeyOf(candidate) === routeKey);
    expect(route?.handler).toBe(file);

    const named = permissionsOf(route!);
    const nobody: CaseActor = { partnerId: 'partner-without-role', rolesOnCase: [] };
    const taken = new Set<string>();
    for (const probe of probes[file] ?? []) {
      const found = storedCase(probe.status ?? 'eligible', probe.changes);
      const decision: Decision<unknown> = await decide(found as never, nobody, z.parse(bodySchema, probe.body), 1);
      expect(decision).toMatchObject({ kind: 'refused', refusal: { reason: 'role' } });
      if (decision.kind === 'refused' && decision.refusal.reason === 'role') taken.add(`case.${decision.refusal.action}`);
    }
    expect(taken.size).toBeGreaterThan(0);
    for (const permission of taken) expect(named).toContain(permission);
  });
});
