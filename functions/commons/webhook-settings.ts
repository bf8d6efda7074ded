import * as z from 'zod/mini';
import { requiredEnv } from './env.ts';

/**
 * The stage's webhook settings (infra/config.ts `webhooks`), handed to the webhook functions as
 * WEBHOOK_SETTINGS by infra/constructs/partner-webhooks.ts.
 */
const settingsSchema = z.object({
  retryDelaysSeconds: z.array(z.int().check(z.positive())),
  disableAfterSeconds: z.int().check(z.positive()),
  attemptTimeoutSeconds: z.int().check(z.positive()),
  secretOverlapSeconds: z.int().check(z.minimum(0)),
  allowHttpLocalhost: z.boolean(),
  orderHoldSeconds: z.int().check(z.minimum(0), z.maximum(900)),
});
export type WebhookSettings = z.infer<typeof settingsSchema>;

export const webhookSettingsFromEnvironment = (): WebhookSettings => settingsSchema.parse(JSON.parse(requiredEnv('WEBHOOK_SETTINGS')));
