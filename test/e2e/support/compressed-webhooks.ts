import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookSettings } from '../../../infra/config.ts';

/**
 * The real cloud assembly with the stage's webhook settings compressed to seconds (the retry
 * schedule, the time to disable an endpoint, the attempt timeout, the hold that keeps a case's
 * events in order), as a stage could set them: the
 * functions read WEBHOOK_SETTINGS from their environment (infra/constructs/partner-webhooks.ts), so
 * only that value of the template changes. The assets are linked, not copied.
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
  const dir = mkdtempSync(join(tmpdir(), 'trm-webhooks-e2e-'));
  // The webhook functions are in the stack's own template; the nested operations stack holds alarms only.
  let patched = 0;
  for (const name of readdirSync(cdkOutDir)) {
    const source = join(cdkOutDir, name);
    if (statSync(source).isDirectory()) {
      symlinkSync(source, join(dir, name), 'dir');
      continue;
    }
    let text = readFileSync(source, 'utf8');
    if (name.endsWith('.template.json')) {
      const template = JSON.parse(text) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
      for (const resource of Object.values(template.Resources)) {
        const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
        if (resource.Type === 'AWS::Lambda::Function' && variables?.WEBHOOK_SETTINGS !== undefined) {
          variables.WEBHOOK_SETTINGS = JSON.stringify(settings);
          patched += 1;
        }
      }
      text = JSON.stringify(template);
    }
    writeFileSync(join(dir, name), text);
  }
  if (patched === 0) throw new Error(`${cdkOutDir}: no function reads WEBHOOK_SETTINGS`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};
