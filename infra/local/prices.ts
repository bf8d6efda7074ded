/**
 * The AWS list prices `npm run bench` prices a case with: on-demand, USD, no free tier, no
 * savings plan or discount, for the region the stages deploy to (the app's stages in cdk.json set
 * no region of their own; the project deploys to Europe (Ireland), eu-west-1). ONE table, so that
 * a price change is one edit here.
 *
 * Written down on 2026-12-01 from each service's public pricing page on aws.amazon.com
 * (`/lambda/pricing/`, `/dynamodb/pricing/on-demand/`, `/api-gateway/pricing/`, `/sqs/pricing/`,
 * `/ses/pricing/`, `/kms/pricing/`, `/eventbridge/pricing/`, `/cloudwatch/pricing/`,
 * `/backup/pricing/`, `/secrets-manager/pricing/`), Europe (Ireland) where a page lists regions,
 * as those pages stood in 2025: the machine that wrote them down does not reach the pages, so
 * they are list prices to check there before a figure is quoted to a finance office. Tiered
 * prices are the first tier's (a programme's volume never leaves it).
 */
export const priceRegion = 'eu-west-1';
export const pricesTakenOn = '2026-12-01 (list prices as of 2025, to check on the pricing pages)';

export const prices = {
  lambda: {
    /** Per request, whatever the trigger. */
    perRequest: 0.2 / 1_000_000,
    /** Arm64 (Graviton), per GB-second of billed duration (rounded up to the millisecond). */
    perGbSecondArm64: 0.0000133334,
  },
  dynamodb: {
    /** On-demand, Standard table class (the prices of the November 2024 reduction). */
    perWriteRequestUnit: 0.7068 / 1_000_000,
    perReadRequestUnit: 0.1415 / 1_000_000,
    /** Continuous backups (point-in-time recovery), per GB-month of table size. */
    pointInTimeRecoveryPerGbMonth: 0.22,
    storagePerGbMonth: 0.283,
  },
  apiGateway: {
    /** HTTP API, per request (metered in 512 KB increments), first 300 million a month. */
    httpApiPerRequest: 1.11 / 1_000_000,
  },
  sqs: {
    /** Standard queue, per request (each 64 KB chunk of a payload is a request). */
    perRequest: 0.4 / 1_000_000,
  },
  ses: {
    /** Outbound email, per recipient (each To, Cc and Bcc counts as one email). */
    perEmail: 0.1 / 1_000,
  },
  kms: {
    perCustomerManagedKeyMonth: 1,
    /** Symmetric requests (Encrypt, Decrypt, GenerateDataKey, ...). */
    perRequest: 0.03 / 10_000,
  },
  eventBridge: {
    /** Custom events put on a bus, per event (64 KB chunk). */
    perEvent: 1 / 1_000_000,
  },
  cloudWatch: {
    /** Standard log class ingestion (Lambda's logs and the API's access logs). */
    logsIngestionPerGb: 0.57,
    logsStoragePerGbMonth: 0.03,
    /** Standard-resolution metric alarm, per alarm-month. */
    perAlarmMonth: 0.1,
    perDashboardMonth: 3,
  },
  backup: {
    /** AWS Backup of DynamoDB (warm storage), per GB-month. */
    dynamoDbWarmPerGbMonth: 0.11,
  },
  secretsManager: {
    perSecretMonth: 0.4,
    perApiCall: 0.05 / 10_000,
  },
} as const;
