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
 * AWS Backup of the stage's tables (infra/constructs/backups.ts): daily and monthly recovery points
 * in a vault of the stage. `vaultLock` locks the vault so no one can delete a recovery point before
 * `minRetentionDays`: without `changeableForDays` in governance mode (an administrator can remove the
 * lock), with it in compliance mode, which no one, AWS included, can undo once those days are over.
 */
const backupSettings = z
  .strictObject({
    dailyRetentionDays: z.number().int().min(7).max(35),
    monthlyRetentionDays: z.number().int().min(30).max(3650),
    vaultLock: z
      .strictObject({
        minRetentionDays: z.number().int().min(1),
        maxRetentionDays: z.number().int().min(1),
        changeableForDays: z.number().int().min(3).optional(),
      })
      .refine((lock) => lock.maxRetentionDays >= lock.minRetentionDays, { message: 'maxRetentionDays must not be below minRetentionDays' })
      .optional(),
  })
  .refine((backup) => backup.vaultLock === undefined || backup.vaultLock.maxRetentionDays >= backup.monthlyRetentionDays, {
    message: 'vaultLock.maxRetentionDays must allow monthlyRetentionDays',
  })
  .refine((backup) => backup.vaultLock === undefined || backup.vaultLock.minRetentionDays <= backup.dailyRetentionDays, {
    message: 'vaultLock.minRetentionDays must not exceed dailyRetentionDays',
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
    /**
     * How long an event's first attempt waits, so that an earlier event of the same case reaching the
     * fan-out a little later still goes first (functions/commons/webhook-fanout.ts); 10 s when left out.
     */
    orderHoldSeconds: z.number().int().min(0).max(900).default(10),
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
  orderHoldSeconds: 10,
};

export const stageConfigSchema = z
  .strictObject({
    stage: z.enum(stageNames),
    /**
     * The account the stage deploys to: with it, the stack is pinned (`env`) and `cdk deploy` refuses
     * credentials of another account. Without it the template is environment-agnostic (the local stack,
     * the tests) and deploys wherever the credentials point.
     */
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'must be a 12-digit AWS account id' })
      .optional(),
    /** The region the stage deploys to, with `account`. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-west-1' })
      .optional(),
    /** Deleting the stack is refused until termination protection is turned off by hand. */
    terminationProtection: z.boolean().default(false),
    backup: backupSettings.optional(),
    senderAddress: email,
    /**
     * The domain the stage sends from: an SES domain identity with Easy DKIM is made for it
     * (infra/constructs/mail-identity.ts) and the sender address must be in it. Without it, the
     * sender address must be verified in SES by hand.
     */
    mailDomain: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
        message: 'must be a lower-case domain name such as trm.example.org',
      })
      .optional(),
    financeAddress: email,
    alarmEmail: email,
    caseBaseUrl: z.url({ protocol: /^https?$/ }),
    logRetentionDays: z.union([z.literal(14), z.literal(30), z.literal(90), z.literal(365)]),
    apiThrottle: z.strictObject({
      rateLimit: z.number().int().positive(),
      burstLimit: z.number().int().positive(),
    }),
    /** How long the bus's archive keeps domain events for replay (infra/constructs/event-backbone.ts). */
    eventArchiveDays: z.number().int().min(1).max(3650).default(30),
    programmeWindows: z
      .record(z.string().regex(/^[A-Z][A-Z0-9_]{1,15}$/, { message: 'must be a programme id such as CARE' }), programmeWindow)
      .default({}),
    webhooks: webhookSettingsSchema.default(defaultWebhookSettings),
  })
  .refine((config) => config.account === undefined || config.region !== undefined, {
    message: 'a stage pinned to an account needs its region too',
    path: ['region'],
  })
  .refine((config) => config.stage !== 'prod' || !config.webhooks.allowHttpLocalhost, {
    message: 'prod may not allow http://localhost webhooks',
    path: ['webhooks', 'allowHttpLocalhost'],
  });

/** `webhooks` may be left out of a configuration built in code (tests): the defaults apply (`webhookSettingsOf`). */
export type StageConfig = Omit<z.infer<typeof stageConfigSchema>, 'webhooks'> & { webhooks?: WebhookSettings };

export const webhookSettingsOf = (config: StageConfig): WebhookSettings => config.webhooks ?? defaultWebhookSettings;

const overridableKeys = ['senderAddress', 'mailDomain', 'financeAddress', 'alarmEmail', 'caseBaseUrl', 'account', 'region'] as const;

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
  const { mailDomain, senderAddress } = parsed.data;
  if (mailDomain !== undefined && !senderAddress.toLowerCase().endsWith(`@${mailDomain}`)) {
    throw new StageConfigError(`Invalid stage configuration for stage '${String(stage)}': senderAddress: must be an address in mailDomain`);
  }
  return parsed.data;
};

/** Where and how the stage's stack is deployed (infra/app.ts), from its configuration. */
export const stackPropsOf = (config: StageConfig) => ({
  ...(config.account === undefined ? {} : { env: { account: config.account, region: config.region as string } }),
  terminationProtection: config.terminationProtection,
  description: `Transnational referral mechanism backend (${config.stage})`,
});
