import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { CaseErasure } from '#adapters/case-erasure';
import { CaseRepository } from '#adapters/case-repository';
import { DocumentStorage, s3Client } from '#adapters/document-storage';
import { documentClient } from '#adapters/dynamodb';
import { requiredEnv } from '#commons/env';
import { lostRace, optimistically } from '#commons/optimistic';
import { logger, observed } from '#commons/powertools';
import { programmeDefinitions } from '#commons/programmes';
import { decideErasure, endedStatuses, retentionCutoff, retentionOver } from '#domain/erasure';

const tableName = requiredEnv('CASES_TABLE_NAME');
const cases = new CaseRepository(documentClient, tableName);
const erasure = new CaseErasure(documentClient, tableName, {}, new DocumentStorage(s3Client, requiredEnv('DOCUMENTS_BUCKET_NAME')));
const programmes = programmeDefinitions();

/** The scheduled event EventBridge sends; its `time` is the moment the run is for. */
const scheduledEventSchema = z.object({ time: z.iso.datetime() });

interface RetentionRun {
  casesChecked: number;
  casesErased: number;
}

/**
 * The retention rule (an EventBridge schedule): erases the personal data of every case whose
 * programme's retention period after its end is over (events/programmes/*.json `retention`), with
 * reason `retention`, through the same erasure as the route. An erased case is never erased again,
 * so a second run, or a retry after a failure, erases nothing twice. A case that could not be erased
 * is left for the next run and the run fails, which raises the function's errors alarm.
 */
const eraseExpired = async (event: unknown): Promise<RetentionRun> => {
  const now = new Date(scheduledEventSchema.parse(event).time);
  // The shortest retention bounds the candidates; each case is then judged by its own programme's.
  const shortest = Math.min(...[...programmes.values()].map((programme) => programme.retention.personalDataDaysAfterEnd));
  const changedBy = retentionCutoff({ retention: { personalDataDaysAfterEnd: shortest } }, now);
  let casesChecked = 0;
  let casesErased = 0;
  let failures = 0;
  for (const status of endedStatuses) {
    for (const candidate of await erasure.endedCases(status, changedBy)) {
      const programme = programmes.get(candidate.programmeId);
      if (programme === undefined) continue;
      casesChecked += 1;
      try {
        const erased = await optimistically(
          async () => {
            const stored = await cases.getCase(candidate.caseId);
            if (stored === undefined || !retentionOver(stored, programme, now)) return false;
            const decision = decideErasure(stored, 'system', { reason: 'retention' }, now);
            if (decision.kind !== 'erase') return false;
            return (await erasure.erase(stored, decision.erasure)) === 'applied' ? true : lostRace;
          },
          { attempts: 3, exhausted: () => new Error('the case kept changing while it was being erased') }
        );
        if (erased) {
          casesErased += 1;
          logger.info('personal data erased', { caseId: candidate.caseId, reason: 'retention', status });
        }
      } catch (error) {
        failures += 1;
        logger.error('personal data not erased', { caseId: candidate.caseId, errorName: (error as Error).name });
      }
    }
  }
  if (failures > 0) throw new Error(`${failures} cases due for erasure could not be erased; they are retried on the next run`);
  logger.info('retention run done', { casesChecked, casesErased });
  return { casesChecked, casesErased };
};

export const handler = middy<unknown, RetentionRun, Error, Context>().use(observed()).handler(eraseExpired);
