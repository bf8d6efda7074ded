import { randomBytes } from 'node:crypto';
import type { LocalEndpoints } from './emulators.ts';
import type { FunctionSpec } from './functions.ts';
import { localCredentials } from './provision.ts';
import { localRegion } from './template.ts';

/**
 * Any AWS service without an emulator is sent here, a closed local port, so a call to it fails
 * at once instead of reaching the real AWS.
 */
const NowhereEndpoint = 'http://127.0.0.1:9';

/**
 * What Lambda puts in a function's environment, then the function's own variables. Nothing of the
 * developer's shell leaks in (no AWS profile, no real credentials) except PATH.
 */
export function workerEnvironment(spec: FunctionSpec, endpoints: LocalEndpoints): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: 'UTC',
    AWS_REGION: localRegion,
    AWS_DEFAULT_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL: NowhereEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_KMS: endpoints.kms,
    ...(endpoints.s3 === undefined ? {} : { AWS_ENDPOINT_URL_S3: endpoints.s3 }),
    ...(endpoints.eventbridge === undefined ? {} : { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge }),
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomBytes(16).toString('hex')}`,
    ...(spec.logFormat === 'JSON' ? { AWS_LAMBDA_LOG_FORMAT: 'JSON' } : {}),
    LAMBDA_TASK_ROOT: spec.codeDir,
    _HANDLER: spec.handler,
    // No X-Ray daemon here: Powertools Tracer off, so no segment is opened or sent. Metrics stay
    // on; their EMF lines are stdout, which goes to the function's log file, not the console.
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...spec.environment,
  };
}
