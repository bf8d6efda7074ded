import type { InvokeResult } from './lambda-runtime.ts';
import type { LambdaStreamRecord } from './stream-records.ts';

export interface DiscardedBatch {
  requestId: string;
  functionArn: string;
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
  invocations: number;
  /** The last invocation's result; undefined when the records expired before any. */
  last: InvokeResult | undefined;
  shardId: string;
  streamArn: string;
  first: LambdaStreamRecord;
  final: LambdaStreamRecord;
  batchSize: number;
}

/** AWS's invocation record for discarded stream records (only metadata, never the records). */
export function streamInvocationRecord(batch: DiscardedBatch): Record<string, unknown> {
  const { last, first, final } = batch;
  const arrival = (record: LambdaStreamRecord): string =>
    new Date((record.dynamodb.ApproximateCreationDateTime ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    requestContext: {
      requestId: batch.requestId,
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.invocations,
    },
    responseContext: {
      statusCode: last === undefined ? 0 : 200,
      executedVersion: '$LATEST',
      ...(last !== undefined && last.outcome !== 'ok' ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.dynamodb.SequenceNumber,
      endSequenceNumber: final.dynamodb.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(final),
      batchSize: batch.batchSize,
      streamArn: batch.streamArn,
    },
  };
}
