import { SQSClient } from '@aws-sdk/client-sqs';

/** Created once per execution environment; the endpoint comes from AWS_ENDPOINT_URL_SQS when set. */
export const sqsClient = new SQSClient({});
