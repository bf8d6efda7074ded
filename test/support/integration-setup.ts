import { inject } from 'vitest';
import { localCredentials } from '../../infra/local/provision.ts';
import { localRegion } from '../../infra/local/template.ts';

/*
 * Runs in each worker before a test file, so that handlers imported afterwards build their
 * module-scope SDK clients against the emulators. The functions share table and queue names, so
 * one environment holding every function's variables serves them all.
 */
const endpoints = inject('endpoints');

Object.assign(process.env, ...Object.values(inject('functionEnvironments')), {
  AWS_REGION: localRegion,
  AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  AWS_ENDPOINT_URL_SQS: endpoints.sqs,
  AWS_ENDPOINT_URL_SES: endpoints.ses,
  ...(endpoints.eventbridge === undefined ? {} : { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge }),
});
