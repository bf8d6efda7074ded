import type { WebhookSettings } from '../../infra/config.ts';
import { patchConsumedQueueVisibility, patchedAssembly, patchWebhookSettings, type VisibilityChange } from '../support/patched-assembly.ts';

/*
 * The chaos run's copy of the real cloud assembly (the assets are linked, not copied), with two
 * values changed that only waiting depends on; the template's rules and every function's code stay:
 *
 * - the stage's webhook settings, compressed to seconds as a stage could set them (the functions
 *   read WEBHOOK_SETTINGS from their environment, infra/constructs/partner-webhooks.ts), so a
 *   retried delivery comes again within seconds rather than minutes;
 * - each consumed queue's visibility timeout, set to its consumer's timeout rather than six times
 *   it (test/support/patched-assembly.ts says why that holds locally). Every failed batch waits out
 *   this timeout: measured at 4 cases, it was most of the run.
 */

export const chaosWebhookSettings: WebhookSettings = {
  // Five attempts within about half a minute: more than a receiver that fails a first answer needs.
  retryDelaysSeconds: [1, 2, 4, 8, 15],
  // Never disabled during a run: a receiver failing now and then must not lose its endpoint.
  disableAfterSeconds: 3600,
  attemptTimeoutSeconds: 5,
  secretOverlapSeconds: 60,
  allowHttpLocalhost: true,
  // Short: the books do not depend on order, and a delivery whose earlier one is still pending
  // waits for it whatever the hold (functions/commons/webhook-fanout.ts).
  orderHoldSeconds: 2,
};

export interface ChaosAssembly {
  dir: string;
  /** Queues whose visibility timeout was shortened: logical id, from and to seconds. */
  visibility: VisibilityChange[];
  remove: () => void;
}

export function chaosAssembly(cdkOutDir: string, settings: WebhookSettings = chaosWebhookSettings): ChaosAssembly {
  const visibility: VisibilityChange[] = [];
  let webhookFunctions = 0;
  const { dir, remove } = patchedAssembly(cdkOutDir, 'trm-chaos-assembly-', (resources) => {
    webhookFunctions += patchWebhookSettings(resources, settings);
    visibility.push(...patchConsumedQueueVisibility(resources));
  });
  if (webhookFunctions === 0) {
    remove();
    throw new Error(`${cdkOutDir}: no function reads WEBHOOK_SETTINGS`);
  }
  return { dir, visibility, remove };
}
