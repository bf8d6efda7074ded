import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDbClient } from '#adapters/dynamodb';
import { requiredEnv } from './env.ts';

/**
 * Powertools idempotency for HTTP routes. The key is scoped to the calling partner, so two
 * partners choosing the same Idempotency-Key never see each other's responses; the body is part
 * of the record, so the same key with another body is refused (422).
 */
export const httpIdempotency = () => ({
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
