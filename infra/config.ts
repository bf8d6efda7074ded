import * as z from 'zod';

/**
 * Stage configuration, read from cdk.json's `stages` and overridable per key with `-c key=value`.
 * Validated at synth time so a typo in an address or a wrong stage stops `cdk synth` before
 * anything is deployed.
 */
export const stageNames = ['dev', 'prod'] as const;

const email = z.email();

const isoDate = z.iso.date({ error: 'must be a calendar date as YYYY-MM-DD' });

/**
 * A programme's window in this stage, overriding the one in its definition: a stage can open a
 * programme whose historic window has closed (dev opens CARE and TACT so referrals can be tried).
 */
const programmeWindow = z
  .strictObject({ opensOn: isoDate, closesOn: isoDate.optional() })
  .refine((window) => window.closesOn === undefined || window.closesOn >= window.opensOn, {
    message: 'must not be before opensOn',
    path: ['closesOn'],
  });

/**
 * Partner webhooks (infra/constructs/partner-webhooks.ts): the delays between a delivery's attempts
 * (the last attempt comes after their sum, which must reach a day), how long an endpoint may fail
 * everything before it is disabled, the timeout of one attempt, how long a rotated secret still
 * signs, and whether `http://localhost` may be registered (the stage the local stack runs; never prod).
 */
const dayInSeconds = 24 * 60 * 60;
export const webhookSettingsSchema = z
  .strictObject({
    retryDelaysSeconds: z.array(z.number().int().positive()).min(1).max(40),
    disableAfterSeconds: z.number().int().positive(),
    attemptTimeoutSeconds: z.number().int().min(1).max(10),
    secretOverlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * dayInSeconds),
    allowHttpLocalhost: z.boolean(),
  })
  .refine((settings) => settings.retryDelaysSeconds.reduce((sum, delay) => sum + delay, 0) >= dayInSeconds, {
    message: 'must retry for at least 24 hours in all',
    path: ['retryDelaysSeconds'],
  });
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

/** Growing delays, about 27.5 hours in all: 10 s, 1 min, 5 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h. */
export const defaultWebhookSettings: WebhookSettings = {
  retryDelaysSeconds: [10, 60, 300, 1800, 3600, 7200, 14_400, 28_800, 43_200],
  disableAfterSeconds: 5 * dayInSeconds,
  attemptTimeoutSeconds: 10,
  secretOverlapSeconds: dayInSeconds,
  allowHttpLocalhost: false,
};

export const stageConfigSchema = z
  .strictObject({
    stage: z.enum(stageNames),
    senderAddress: email,
    financeAddress: email,
    alarmEmail: email,
    caseBaseUrl: z.url({ protocol: /^https?$/ }),
    logRetentionDays: z.union([z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
    apiThrottle: z.strictObject({
      rateLimit: z.number().int().positive(),
      burstLimit: z.number().int().positive(),
    }),
    authorizerCacheSeconds: z.number().int().min(0).max(3600),
    /** How long the bus's archive keeps domain events for replay (infra/constructs/event-backbone.ts). */
    eventArchiveDays: z.number().int().min(1).max(3650).default(30),
    programmeWindows: z
      .record(z.string().regex(/^[A-Z][A-Z0-9_]{1,15}$/, { message: 'must be a programme id such as CARE' }), programmeWindow)
      .default({}),
    webhooks: webhookSettingsSchema.default(defaultWebhookSettings),
  })
  .refine((config) => config.stage !== 'prod' || !config.webhooks.allowHttpLocalhost, {
    message: 'prod may not allow http://localhost webhooks',
    path: ['webhooks', 'allowHttpLocalhost'],
  });

/** `webhooks` may be left out of a configuration built in code (tests): the defaults apply (`webhookSettingsOf`). */
export type StageConfig = Omit<z.infer<typeof stageConfigSchema>, 'webhooks'> & { webhooks?: WebhookSettings };

export const webhookSettingsOf = (config: StageConfig): WebhookSettings => config.webhooks ?? defaultWebhookSettings;

const overridableKeys = ['senderAddress', 'financeAddress', 'alarmEmail', 'caseBaseUrl'] as const;

export class StageConfigError extends Error {
  override name = 'StageConfigError';
}

/** Reads `stage`, `stages` and per-key overrides through a context getter (e.g. `app.node.tryGetContext`). */
export const loadStageConfig = (getContext: (key: string) => unknown): StageConfig => {
  const stage = getContext('stage') ?? 'dev';
  const stages = (getContext('stages') ?? {}) as Record<string, unknown>;
  const base = typeof stage === 'string' ? stages[stage] : undefined;
  const overrides = Object.fromEntries(
    overridableKeys.map((key) => [key, getContext(key)] as const).filter(([, value]) => value !== undefined)
  );
  const parsed = stageConfigSchema.safeParse({
    ...(typeof base === 'object' && base !== null ? base : {}),
    ...overrides,
    stage,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new StageConfigError(`Invalid stage configuration for stage '${String(stage)}': ${problems}`);
  }
  return parsed.data;
};
