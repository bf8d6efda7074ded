import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDbClient } from '#adapters/dynamodb';
import { requiredEnv } from './env.ts';
import type { ApiEvent, ApiResult, PartnerRequestContext } from './http.ts';
import { idempotencyKeyReused, requestInProgress } from './problem.ts';

/**
 * Powertools idempotency for HTTP routes. The key is scoped to the calling partner, so two
 * partners choosing the same Idempotency-Key never see each other's responses; the body is part
 * of the record, so the same key with another body is refused (422).
 *
 * The handler is wrapped with `makeIdempotent` rather than given the middy middleware: the
 * middleware's `onError` deletes the record even when the error is its own "already in progress"
 * or "different body" refusal, which deletes the *other* request's record and lets a third
 * request with the same key run again (a second referral). The wrapper deletes a record only when
 * the wrapped handler itself fails.
 */
export const idempotentRoute = (
  handler: (event: ApiEvent, context: PartnerRequestContext) => Promise<ApiResult>
): ((event: ApiEvent, context: PartnerRequestContext) => Promise<ApiResult>) => {
  const idempotent = makeIdempotent(handler, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: requiredEnv('IDEMPOTENCY_TABLE_NAME'),
      awsSdkV3Client: dynamoDbClient,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: '[requestContext.authorizer.lambda.partnerId, headers."idempotency-key"]',
      payloadValidationJmesPath: 'body',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: 24 * 60 * 60,
    }),
  });
  // The refusals become problem documents here, so routes without idempotency do not bundle it.
  return async (event, context) => {
    try {
      return await idempotent(event, context);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) throw idempotencyKeyReused();
      if (error instanceof IdempotencyAlreadyInProgressError) throw requestInProgress();
      throw error;
    }
  };
};
