import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { fullJitter, lostRace, optimistically } from '#commons/optimistic';
import type { CaseFigureFacts } from '#domain/figures';
import { caseItemSchema } from '#events/case';
import { caseKey, programmeIndex } from './case-items.ts';
import { derivedCaseFactsSchema } from './case-sealing.ts';
import { queryAll } from './dynamodb-queries.ts';

/** What programme figures are read from: one fact per case of the programme, never who the person is. */
export class ProgrammeFigureRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string
  ) {}

  /**
   * What programme figures are computed from, one entry per case of the programme: statuses,
   * countries, places and reasons, and the person's sex and age band, which the case item keeps
   * beside its sealed person from submission on (case-sealing.ts): figures need no key.
   */
  async programmeFigureFacts(programmeId: string): Promise<CaseFigureFacts[]> {
    const caseIds = (
      await queryAll(this.client, {
        TableName: this.tableName,
        IndexName: programmeIndex,
        KeyConditionExpression: 'programmeId = :programmeId',
        ExpressionAttributeValues: { ':programmeId': programmeId },
        ProjectionExpression: 'caseId',
      })
    ).map((item) => String(item.caseId));

    const facts: CaseFigureFacts[] = [];
    for (let start = 0; start < caseIds.length; start += batchGetLimit) {
      const items = await this.batchGetCases(caseIds.slice(start, start + batchGetLimit));
      for (const item of items) {
        const stored = figureItemSchema.parse(item);
        facts.push({
          status: stored.status,
          hostCountry: stored.hostCountry,
          originCountry: stored.originCountry,
          sex: stored.sex,
          ageBand: stored.ageBand,
          reasons: stored.eligibility?.reasons ?? [],
          assessmentPlace: stored.assessmentPlace ?? false,
          assistancePlace: stored.assistancePlace ?? false,
        });
      }
    }
    return facts;
  }

  /** The keys the table left unprocessed (throttled) are asked for again, spread out, a bounded number of times. */
  private batchGetCases(caseIds: string[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let keys: Record<string, unknown>[] = caseIds.map(caseKey);
    return optimistically(
      async () => {
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ProjectionExpression:
                  '#status, hostCountry, originCountry, submittedOn, eligibility.reasons, assessmentPlace, assistancePlace, sex, ageBand',
                ExpressionAttributeNames: { '#status': 'status' },
              },
            },
          })
        );
        items.push(...(Responses?.[this.tableName] ?? []));
        keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        return keys.length > 0 ? lostRace : items;
      },
      {
        attempts: 12,
        exhausted: () => new Error('programme figures: the table kept returning unprocessed keys'),
        backOff: fullJitter,
      }
    );
  }
}

/** BatchGetItem's limit of keys per request. */
const batchGetLimit = 100;

/** Only what figures need is read, and parsed. */
const figureItemSchema = z.extend(
  z.pick(caseItemSchema, {
    status: true,
    hostCountry: true,
    originCountry: true,
    submittedOn: true,
    assessmentPlace: true,
    assistancePlace: true,
  }),
  {
    eligibility: z.optional(z.pick(caseItemSchema.shape.eligibility.def.innerType, { reasons: true })),
    ...z.pick(derivedCaseFactsSchema, { sex: true, ageBand: true }).shape,
  }
);
