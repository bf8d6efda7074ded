import { describe, expect, it } from 'vitest';
import type { CaseItem } from '../../events/case.ts';
import { programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { personalFields, personalPathsIn, removeClause } from '../../functions/adapters/personal-fields.ts';
import { decideErasure, retentionOver } from '../../functions/domain/erasure.ts';
import { newCaseFromReferral } from '../../functions/domain/referral-case.ts';

const submitted = (): CaseItem =>
  newCaseFromReferral(
    referralRequestSchema.parse(tactReferral()),
    { caseId: '6f1c2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f', reference: 'TACT-FR-000001', referrerId: 'referrer-fr' },
    new Date('2026-01-10T09:00:00Z')
  ).case;
const tact = programmeDefinitionSchema.parse(programmeDefinitionFiles['tact.json']);
const coordinator = { partnerId: 'coordinator-fr', rolesOnCase: ['coordinator'] as const };

describe('the personal attributes of an item', () => {
  it('are the listed paths the item holds, a list path once per element that has it', () => {
    const stored = {
      ...submitted(),
      eligibility: { outcome: 'eligible', reasons: [], decidedAt: '2026-01-11T00:00:00Z', decidedBy: 'x', note: 'n' },
    };
    expect(personalPathsIn('case', stored)).toEqual(['person', 'destinationLocality', 'victimStatus.identifiedBy', 'eligibility.note']);
    const payment = {
      payee: { kind: 'provider', name: 'P', iban: 'AL47' },
      purpose: 'p',
      steps: [{ status: 'requested' }, { status: 'approved', note: 'ok' }],
    };
    expect(personalPathsIn('payment', payment)).toEqual(['payee.name', 'payee.iban', 'purpose', 'steps[1].note']);
    expect(personalPathsIn('payment', { payee: { kind: 'provider' }, steps: [] })).toEqual([]);
  });

  it('are removed with every name a placeholder, so no reserved word breaks the expression', () => {
    expect(removeClause(['payee.name', 'steps[1].note'])).toEqual({
      expression: 'REMOVE #r0.#r1, #r2[1].#r3',
      names: { '#r0': 'payee', '#r1': 'name', '#r2': 'steps', '#r3': 'note' },
    });
    expect(removeClause([]).expression).toBeUndefined();
  });
});

describe('erasure', () => {
  it('records who erased, when and why, keeps the sex and age band, and happens once', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const decision = decideErasure(submitted(), coordinator, { reason: 'subject_request' }, now);
    expect(decision.kind).toBe('erase');
    if (decision.kind !== 'erase') return;
    expect(decision.erasure.record).toEqual({ erasedAt: now.toISOString(), erasedBy: 'coordinator-fr', reason: 'subject_request' });
    expect(decision.erasure.history).toEqual({
      at: now.toISOString(),
      by: 'coordinator-fr',
      action: 'personal_data_erased',
      reason: 'subject_request',
    });
    // Sex and age band are stored de-identified beside the sealed person at submission, and erasure removes only the personal fields.
    expect(personalFields.case).not.toContain('sex');
    expect(personalFields.case).not.toContain('ageBand');

    const erased = { ...submitted(), person: undefined, personalData: decision.erasure.record };
    expect(decideErasure(erased, coordinator, { reason: 'other' }, new Date())).toEqual({ kind: 'unchanged', response: decision.response });
  });

  it('is for coordinators and the retention rule only', () => {
    expect(decideErasure(submitted(), { partnerId: 'receiver-al', rolesOnCase: ['receiver'] }, { reason: 'other' }, new Date()).kind).toBe(
      'refused'
    );
    expect(decideErasure(submitted(), 'system', { reason: 'retention' }, new Date()).kind).toBe('erase');
  });
});

describe('retention', () => {
  const closedOn = (closedAt: string): CaseItem => ({
    ...submitted(),
    status: 'closed',
    updatedAt: closedAt,
    closure: { exitReason: 'completed', closedAt, closedBy: 'coordinator-fr', statusBeforeClosure: 'monitoring' },
  });

  it("is over once the programme's days after the end have passed, for ended cases only", () => {
    const days = tact.retention.personalDataDaysAfterEnd;
    const now = new Date('2030-01-01T00:00:00Z');
    const at = (daysBefore: number) => new Date(now.getTime() - daysBefore * 86_400_000).toISOString();
    expect(retentionOver(closedOn(at(days)), tact, now)).toBe(true);
    expect(retentionOver(closedOn(at(days - 1)), tact, now)).toBe(false);
    expect(retentionOver({ ...submitted(), status: 'withdrawn', updatedAt: at(days + 1) }, tact, now)).toBe(true);
    expect(retentionOver({ ...submitted(), status: 'reintegrating', updatedAt: at(days * 2) }, tact, now)).toBe(false);
    const erased = { ...closedOn(at(days * 2)), personalData: { erasedAt: at(1), erasedBy: 'system', reason: 'retention' as const } };
    expect(retentionOver(erased, tact, now)).toBe(false);
  });
});
