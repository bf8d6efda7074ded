import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { referralRequestSchema } from '../../events/referral.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { openCaseStream } from '../support/case-stream.ts';
import { personalDataAccess } from '../support/personal-data-access.ts';

const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
const { newCaseFromReferral } = await import('../../functions/domain/referral-case.ts');

describe('the cases table stream, read from DynamoDB Local', () => {
  it('delivers a new case as an INSERT with its new image, after what was there before', async () => {
    const stream = await openCaseStream();
    const cases = new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess());
    const created = newCaseFromReferral(
      referralRequestSchema.parse(tactReferral()),
      { caseId: randomUUID(), reference: 'TACT-FR-999001', referrerId: 'stream-test' },
      new Date()
    );
    await cases.create(created.case, created.history);

    const records = await stream.next();
    const caseRecord = records.find((record) => record.dynamodb?.Keys?.sk?.S === 'CASE');
    expect(caseRecord?.eventName).toBe('INSERT');
    expect(caseRecord?.dynamodb?.NewImage?.caseId?.S).toBe(created.case.caseId);
    expect(caseRecord?.dynamodb?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(records.some((record) => record.dynamodb?.Keys?.sk?.S?.startsWith('HISTORY#'))).toBe(true);
    expect(await stream.next()).toEqual([]);
    stream.close();
  });
});
