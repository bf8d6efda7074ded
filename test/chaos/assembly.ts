import type { WebhookSettings } from '../../infra/config.ts';
import { patchedAssembly, patchWebhookSettings, type TemplateResources } from '../support/patched-assembly.ts';

/*
 * The chaos run's copy of the real cloud assembly (the assets are linked, not copied), with two
 * values changed that only waiting depends on; the template's rules and every function's code stay:
 *
 * - the stage's webhook settings, compressed to seconds as a stage could set them (the functions
 *   read WEBHOOK_SETTINGS from their environment, infra/constructs/partner-webhooks.ts), so a
 *   retried delivery comes again within seconds rather than minutes;
 * - each consumed queue's visibility timeout, which infra/constructs/queue-with-dead-letter.ts sets
 *   to six times its consumer's timeout (180 s and 360 s here), set to the consumer's timeout. AWS
 *   advises the six-fold margin because its pollers may retry an invocation that was throttled;
 *   the local stack's pollers do not (infra/local/queue-mapping.ts), and its runtime ends an
 *   invocation at its timeout (infra/local/lambda-runtime.ts), so a message still comes back only
 *   once the attempt that took it is over. Every failed batch waits out this timeout: measured at
 *   4 cases, it was most of the run.
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
  visibility: Array<{ logicalId: string; from: number; to: number }>;
  remove: () => void;
}

const getAttTarget = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
const refTarget = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

export function chaosAssembly(cdkOutDir: string, settings: WebhookSettings = chaosWebhookSettings): ChaosAssembly {
  const visibility: ChaosAssembly['visibility'] = [];
  let webhookFunctions = 0;
  const { dir, remove } = patchedAssembly(cdkOutDir, 'trm-chaos-assembly-', (resources) => {
    webhookFunctions += patchWebhookSettings(resources, settings);
    visibility.push(...patchVisibility(resources));
  });
  if (webhookFunctions === 0) {
    remove();
    throw new Error(`${cdkOutDir}: no function reads WEBHOOK_SETTINGS`);
  }
  return { dir, visibility, remove };
}

function patchVisibility(resources: TemplateResources): ChaosAssembly['visibility'] {
  const patched: ChaosAssembly['visibility'] = [];
  for (const mapping of Object.values(resources)) {
    if (mapping.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const queueId = getAttTarget(mapping.Properties?.EventSourceArn);
    const functionId = refTarget(mapping.Properties?.FunctionName);
    const queue = queueId === undefined ? undefined : resources[queueId];
    const consumer = functionId === undefined ? undefined : resources[functionId];
    if (queue?.Type !== 'AWS::SQS::Queue' || consumer?.Type !== 'AWS::Lambda::Function') continue;
    const from = Number(queue.Properties?.VisibilityTimeout ?? 30);
    const to = Number(consumer.Properties?.Timeout ?? 3);
    if (!(to < from)) continue;
    queue.Properties = { ...queue.Properties, VisibilityTimeout: to };
    patched.push({ logicalId: queueId!, from, to });
  }
  return patched;
}
