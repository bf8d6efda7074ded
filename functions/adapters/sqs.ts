import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '#commons/powertools';

/** Created once per execution environment; the endpoint comes from AWS_ENDPOINT_URL_SQS when set. */
export const sqsClient = tracer.captureAWSv3Client(new SQSClient({}));
