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

/** A consumed queue whose visibility timeout `patchConsumedQueueVisibility` shortened, in seconds. */
export interface VisibilityChange {
  logicalId: string;
  from: number;
  to: number;
}

const getAttTarget = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
const refTarget = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

/**
 * Sets each consumed queue's visibility timeout, which infra/constructs/queue-with-dead-letter.ts sets
 * to six times its consumer's timeout (180 s and 360 s here), to the consumer's timeout. AWS advises
 * the six-fold margin because its pollers may retry an invocation that was throttled; the local
 * stack's pollers do not (infra/local/queue-mapping.ts), and its runtime ends an invocation at its
 * timeout (infra/local/lambda-runtime.ts), so a message still comes back only once the attempt that
 * took it is over. Only waiting depends on it: every failed batch, and every copy refused as in
 * progress, waits out this timeout. Returns what it changed.
 */
export function patchConsumedQueueVisibility(resources: TemplateResources): VisibilityChange[] {
  const patched: VisibilityChange[] = [];
  for (const mapping of Object.values(resources)) {
    if (mapping.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const queueId = getAttTarget(mapping.Properties?.EventSourceArn);
    const functionId = refTarget(mapping.Properties?.FunctionName);
    const queue = queueId === undefined ? undefined : resources[queueId];
    const consumer = functionId === undefined ? undefined : resources[functionId];
    if (queueId === undefined || queue?.Type !== 'AWS::SQS::Queue' || consumer?.Type !== 'AWS::Lambda::Function') continue;
    const from = Number(queue.Properties?.VisibilityTimeout ?? 30);
    const to = Number(consumer.Properties?.Timeout ?? 3);
    if (!(to < from)) continue;
    queue.Properties = { ...queue.Properties, VisibilityTimeout: to };
    patched.push({ logicalId: queueId, from, to });
  }
  return patched;
}
