import type { WebhookSettings } from '../../../infra/config.ts';
import { patchConsumedQueueVisibility, patchedAssembly, patchWebhookSettings } from '../../support/patched-assembly.ts';

/**
 * The real cloud assembly with the stage's webhook settings compressed to seconds (the retry
 * schedule, the time to disable an endpoint, the attempt timeout, the hold that keeps a case's
 * events in order), as a stage could set them: the
 * functions read WEBHOOK_SETTINGS from their environment (infra/constructs/partner-webhooks.ts), so
 * only that value of the template changes. The assets are linked, not copied.
 *
 * Each consumed queue's visibility timeout is its consumer's timeout too, as in the chaos run
 * (test/support/patched-assembly.ts says why that holds locally): a batch that failed, or a copy
 * refused as in progress, comes back within the test's waits rather than after three minutes.
 */
export const compressedWebhookSettings: WebhookSettings = {
  retryDelaysSeconds: [1, 1, 1],
  disableAfterSeconds: 20,
  attemptTimeoutSeconds: 3,
  secretOverlapSeconds: 60,
  allowHttpLocalhost: true,
  orderHoldSeconds: 8,
};

export const assemblyWithWebhookSettings = (cdkOutDir: string, settings: WebhookSettings): { dir: string; remove: () => void } => {
  let patched = 0;
  const assembly = patchedAssembly(cdkOutDir, 'trm-webhooks-e2e-', (resources) => {
    patched += patchWebhookSettings(resources, settings);
    patchConsumedQueueVisibility(resources);
  });
  if (patched === 0) {
    assembly.remove();
    throw new Error(`${cdkOutDir}: no function reads WEBHOOK_SETTINGS`);
  }
  return assembly;
};
