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

export const stageConfigSchema = z.strictObject({
  stage: z.enum(stageNames),
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
});

export type StageConfig = z.infer<typeof stageConfigSchema>;

const overridableKeys = ['senderAddress', 'mailDomain', 'financeAddress', 'alarmEmail', 'caseBaseUrl'] as const;

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
