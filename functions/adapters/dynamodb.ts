import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '#commons/powertools';

/** Created once per execution environment; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set. */
export const dynamoDbClient = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
