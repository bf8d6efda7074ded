import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookSettings } from '../../infra/config.ts';

export type TemplateResources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * A copy of a cloud assembly whose templates (the stack's and its nested ones) `patch` changed in
 * place; the assets are linked, not copied. Removed again if patching throws.
 */
export function patchedAssembly(
  cdkOutDir: string,
  prefix: string,
  patch: (resources: TemplateResources) => void
): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const name of readdirSync(cdkOutDir)) {
      const source = join(cdkOutDir, name);
      if (statSync(source).isDirectory()) {
        symlinkSync(source, join(dir, name), 'dir');
        continue;
      }
      let text = readFileSync(source, 'utf8');
      if (name.endsWith('.template.json')) {
        const template = JSON.parse(text) as { Resources?: TemplateResources };
        patch(template.Resources ?? {});
        text = JSON.stringify(template);
      }
      writeFileSync(join(dir, name), text);
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { dir, remove };
}

/**
 * Gives every function that reads WEBHOOK_SETTINGS these settings, as a stage could set them
 * (infra/constructs/partner-webhooks.ts); returns how many it changed.
 */
export function patchWebhookSettings(resources: TemplateResources, settings: WebhookSettings): number {
  let patched = 0;
  for (const resource of Object.values(resources)) {
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (resource.Type === 'AWS::Lambda::Function' && variables?.WEBHOOK_SETTINGS !== undefined) {
      variables.WEBHOOK_SETTINGS = JSON.stringify(settings);
      patched += 1;
    }
  }
  return patched;
}
