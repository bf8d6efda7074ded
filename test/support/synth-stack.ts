import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { addReferralStack } from '../../infra/referral-app.ts';
import type { ReferralStack } from '../../infra/stack.ts';

/**
 * Synthesizes the stack in-process with the context of cdk.json, the way `cdk synth` does (the app's
 * own `addReferralStack`, rule packs included): synthesis throws on any unacknowledged finding.
 * `bundle: false` skips esbuild for the tests that only read the template; `context` adds `-c` values.
 */
export const synthesizeStack = (
  options: { stage?: string; bundle?: boolean; context?: Record<string, unknown>; addToStack?: (stack: ReferralStack) => void } = {}
) => {
  const outdir = mkdtempSync(join(tmpdir(), 'trm-synth-'));
  const context: Record<string, unknown> = { ...cdkJson.context, ...options.context, stage: options.stage ?? 'dev' };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ outdir, context });
  const stack = addReferralStack(app);
  options.addToStack?.(stack);
  const assembly = app.synth();
  return { stack, outdir, assembly, template: Template.fromStack(stack) };
};
