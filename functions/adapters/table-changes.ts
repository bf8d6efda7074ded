import type { DynamoDBRecord } from 'aws-lambda';
import { streamImage } from '#commons/stream';
import { type CaseEventImage, caseEventImageSchema, type PaymentEventImage, paymentEventImageSchema } from '#events/domain-events';
import { caseSk } from './case-items.ts';

/**
 * Which cases-table stream records can be domain events, and what they are about. The keys are
 * the adapters' business (case-items.ts, payment-items.ts): the publisher's filter criteria in the
 * template and its reading of a record both come from here, so they cannot disagree.
 */
/**
 * payment-items.ts's `paymentPrefix`, not imported: that module brings the DynamoDB client, which
 * the publisher (no table access) must not bundle. test/unit/publish-events.test.ts checks they agree.
 */
export const paymentItemPrefix = 'PAYMENT#';

export type TableChange =
  | { of: 'case'; before: CaseEventImage | undefined; after: CaseEventImage | undefined }
  | { of: 'payment'; before: PaymentEventImage | undefined; after: PaymentEventImage | undefined };

/** Filter patterns (Lambda event filtering) of the records `tableChangeOf` reads: case and payment items, created or changed. */
export const publishedChangeFilters: Array<Record<string, unknown>> = [
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [caseSk] } } } },
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: paymentItemPrefix }] } } } },
];

/** The change a record is, or undefined for an item no event is about (history, counters, ledger, a removal). */
export const tableChangeOf = (record: DynamoDBRecord): TableChange | undefined => {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const sk = record.dynamodb?.Keys?.sk?.S;
  if (sk === caseSk) {
    return {
      of: 'case',
      before: streamImage(record, 'OldImage', caseEventImageSchema),
      after: streamImage(record, 'NewImage', caseEventImageSchema),
    };
  }
  if (sk?.startsWith(paymentItemPrefix) === true) {
    return {
      of: 'payment',
      before: streamImage(record, 'OldImage', paymentEventImageSchema),
      after: streamImage(record, 'NewImage', paymentEventImageSchema),
    };
  }
  return undefined;
};
