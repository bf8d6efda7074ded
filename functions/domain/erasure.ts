import type { CaseItem, CaseNote, CaseStatus, HistoryEntry } from '#events/case';
import { type Actor, permissions } from '#events/permissions';
import type { EraseRequest, ErasureView, PersonalDataErasure } from '#events/personal-data';
import type { Role } from '#events/primitives';
import type { ProgrammeDefinition } from '#events/programme';

/**
 * Erasing a case's personal data, and when the programme's retention rule makes it due. No AWS here:
 * which attributes are personal, and how they are removed, is the adapters' business
 * (functions/adapters/personal-fields.ts, case-erasure.ts).
 */

/** The statuses in which a case has ended: the retention period runs from then. */
export const endedStatuses = ['closed', 'withdrawn', 'ineligible', 'declined'] as const satisfies readonly CaseStatus[];

/** The history's action for an erasure; its `reason` is the erasure's reason code. */
export const erasureAction = 'personal_data_erased';

/** Who erases: a coordinator on the case (through the API) or the platform's retention rule. */
export type Eraser = { partnerId: string; rolesOnCase: readonly Role[] } | 'system';

export interface Erasure {
  record: PersonalDataErasure;
  history: HistoryEntry;
  note?: CaseNote | undefined;
}

export type ErasureDecision =
  | { kind: 'erase'; erasure: Erasure; response: ErasureView }
  /** Erased before: nothing to write, the same answer as then. */
  | { kind: 'unchanged'; response: ErasureView }
  | { kind: 'refused'; detail: string };

export const erasureView = (stored: Pick<CaseItem, 'caseId' | 'reference' | 'status'>, record: PersonalDataErasure): ErasureView => ({
  id: stored.caseId,
  reference: stored.reference,
  status: stored.status,
  personalData: record,
});

const mayErase = (eraser: Eraser): boolean => {
  const allowed: readonly Actor[] = eraser === 'system' ? permissions.personalData.expire : permissions.personalData.erase;
  return eraser === 'system' ? allowed.includes('system') : eraser.rolesOnCase.some((role) => allowed.includes(role));
};

/**
 * Erasing removes every personal value and keeps everything else; erasing again changes nothing and
 * answers as the first time did (the record of the first erasure stands, whatever the second's reason).
 */
export const decideErasure = (
  stored: CaseItem,
  eraser: Eraser,
  request: Pick<EraseRequest, 'note'> & { reason: PersonalDataErasure['reason'] },
  now: Date
): ErasureDecision => {
  if (!mayErase(eraser)) return { kind: 'refused', detail: 'Only a coordinator may erase the personal data of a case.' };
  if (stored.personalData !== undefined) return { kind: 'unchanged', response: erasureView(stored, stored.personalData) };
  const at = now.toISOString();
  const by = eraser === 'system' ? 'system' : eraser.partnerId;
  const record: PersonalDataErasure = { erasedAt: at, erasedBy: by, reason: request.reason };
  const note: CaseNote | undefined =
    request.note === undefined ? undefined : { id: `${at}#${by}`, at, by, action: erasureAction, text: request.note };
  return {
    kind: 'erase',
    erasure: {
      record,
      history: { at, by, action: erasureAction, reason: request.reason },
      note,
    },
    response: erasureView(stored, record),
  };
};

/** When a case ended: its closure, or its last change for the other end statuses (nothing changes an ended case but reopening). */
export const endedAt = (stored: Pick<CaseItem, 'status' | 'updatedAt' | 'closure'>): string | undefined => {
  if (!(endedStatuses as readonly CaseStatus[]).includes(stored.status)) return undefined;
  return stored.status === 'closed' && stored.closure !== undefined ? stored.closure.closedAt : stored.updatedAt;
};

/** Whether the programme's retention period for the case's personal data is over on `now`. */
export const retentionOver = (
  stored: Pick<CaseItem, 'status' | 'updatedAt' | 'closure' | 'personalData'>,
  programme: Pick<ProgrammeDefinition, 'retention'>,
  now: Date
): boolean => {
  const ended = endedAt(stored);
  if (ended === undefined || stored.personalData !== undefined) return false;
  return now.getTime() - Date.parse(ended) >= programme.retention.personalDataDaysAfterEnd * 86_400_000;
};

/** The last moment a case may have ended for its retention period to be over on `now`. */
export const retentionCutoff = (programme: Pick<ProgrammeDefinition, 'retention'>, now: Date): string =>
  new Date(now.getTime() - programme.retention.personalDataDaysAfterEnd * 86_400_000).toISOString();
