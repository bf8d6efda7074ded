import type { AccessLogRepository } from '#adapters/access-log-repository';
import type { AccessLogEntry } from '#events/personal-data';
import type { Role } from '#events/primitives';
import { logger } from './powertools.ts';
import { ProblemError } from './problem.ts';

/**
 * Personal data leaves only once its disclosure is recorded in the access log
 * (functions/adapters/access-log-repository.ts). When the entry cannot be written the answer is a
 * 503 with Retry-After and nothing is sent: the fault is the platform's and passing, not the
 * caller's, and a retry a moment later normally succeeds.
 */
export const disclosureNotRecorded = (): ProblemError =>
  new ProblemError(
    {
      type: 'disclosure-not-recorded',
      title: 'The disclosure could not be recorded',
      status: 503,
      detail: 'Personal data is sent only once its disclosure is recorded, and this one could not be. Nothing was sent: retry shortly.',
    },
    { 'Retry-After': '1' }
  );

/** Runs the write that records a disclosure; any failure of it becomes the 503 above (logged by error name only). */
export const recordingDisclosure = async <T>(write: () => Promise<T>, what: Pick<AccessLogEntry, 'caseId' | 'view'>): Promise<T> => {
  try {
    return await write();
  } catch (error) {
    logger.error('disclosure not recorded: nothing sent', { caseId: what.caseId, view: what.view, errorName: (error as Error).name });
    throw disclosureNotRecorded();
  }
};

/** Records a disclosure on its own, before the answer that carries it. */
export const recordDisclosure = (accessLog: AccessLogRepository, entry: AccessLogEntry): Promise<void> =>
  recordingDisclosure(() => accessLog.record(entry), entry);

/** The role a caller sees a case's personal data through: any but finance, which sees no personal data of a case. */
export const disclosingRole = (rolesOnCase: readonly Role[]): Role | undefined => rolesOnCase.find((role) => role !== 'finance');
