import { randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { type ProgrammeDefinition, programmeDefinitionSchema } from '../../events/programme.ts';
import { programmeDefinitionFiles } from '../../events/programmes/index.ts';
import { referralRequestSchema } from '../../events/referral.ts';
import { lambdaContext } from '../../events/samples/http-api.ts';
import { tactReferral } from '../../events/samples/index.ts';
import { programmeCatalogue } from '../../functions/domain/programmes.ts';
import type { NewCase } from '../../functions/domain/referral-case.ts';
import { streamEvent } from './case-stream.ts';
import { personalDataAccess } from './personal-data-access.ts';

/**
 * Programmes, cases and stream deliveries for the eligibility tests. Each test gets programmes of
 * its own (a copy of CARE or TACT under a fresh id), so counters and waitlists of one test never
 * meet another's in the shared DynamoDB Local.
 */
const seeded = Object.values(programmeDefinitionFiles).map((file) => programmeDefinitionSchema.parse(file));
const seededByFile = (file: 'care.json' | 'tact.json') => programmeDefinitionSchema.parse(programmeDefinitionFiles[file]);

export const programmeLike = (file: 'care.json' | 'tact.json', changes: Partial<ProgrammeDefinition> = {}): ProgrammeDefinition => ({
  ...seededByFile(file),
  id: `${file[0]!.toUpperCase()}${randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase()}`,
  ...changes,
});

/** The seeded programmes with the dev stage's windows, plus the test's own, open since 2026-11-01. */
export const catalogueWith = (...definitions: ProgrammeDefinition[]) =>
  programmeCatalogue([...seeded, ...definitions], {
    ...cdkJson.context.stages.dev.programmeWindows,
    ...Object.fromEntries(definitions.map((definition) => [definition.id, { opensOn: '2026-11-01' }])),
  });

const randomLetters = (length: number): string => [...randomBytes(length)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('');

/** An invented adult nobody else in the tests shares a name with. */
export const distinctPerson = (changes: Record<string, unknown> = {}) => ({
  givenName: `Ama ${randomLetters(10)}`,
  familyName: 'Mensah',
  dateOfBirth: '1996-04-12',
  sex: 'female',
  nationality: 'NG',
  languages: ['en'],
  ...changes,
});

let sequence = 0;

/** A submitted case written the way intake writes it, from a referral body that passes the contract. */
export const submitCase = async (referral: Record<string, unknown>, referrerId: string): Promise<NewCase> => {
  const { CaseRepository } = await import('../../functions/adapters/case-repository.ts');
  const { documentClient } = await import('../../functions/adapters/dynamodb.ts');
  const { newCaseFromReferral } = await import('../../functions/domain/referral-case.ts');
  const parsed = referralRequestSchema.parse({ ...tactReferral(), person: distinctPerson(), ...referral });
  sequence += 1;
  const created = newCaseFromReferral(
    parsed,
    { caseId: randomUUID(), reference: `${parsed.programmeId}-${parsed.hostCountry}-${String(sequence).padStart(6, '0')}`, referrerId },
    new Date()
  );
  await new CaseRepository(documentClient, process.env.CASES_TABLE_NAME!, await personalDataAccess()).create(created.case, created.history);
  return created.case;
};

type StreamHandler = (event: ReturnType<typeof streamEvent>, context: ReturnType<typeof lambdaContext>) => Promise<DynamoDBBatchResponse>;

/**
 * Invokes a consumer with records in batches of the mapping's size, every batch at once, as many
 * shards' worth of concurrent invocations would; `times: 2` delivers every batch twice, concurrently.
 */
export const deliver = async (
  handler: StreamHandler,
  records: DynamoDBRecord[],
  options: { batchSize?: number; times?: number } = {}
): Promise<DynamoDBBatchResponse[]> => {
  const batchSize = options.batchSize ?? 25;
  const batches: DynamoDBRecord[][] = [];
  for (let start = 0; start < records.length; start += batchSize) batches.push(records.slice(start, start + batchSize));
  const invocations = Array.from({ length: options.times ?? 1 }, () => batches).flat();
  return Promise.all(invocations.map((batch) => handler(streamEvent(batch), lambdaContext('StreamConsumer', 60_000))));
};
