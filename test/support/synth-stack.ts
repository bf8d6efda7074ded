import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { loadStageConfig } from '../../infra/config.ts';
import { ReferralStack } from '../../infra/stack.ts';

/**
 * Synthesizes the stack in-process with the context of cdk.json, the way `cdk synth` does, with
 * cdk-nag's AWS Solutions checks applied: synthesis throws on any unacknowledged finding. `bundle: false` skips esbuild for the tests that only
 * read the template.
 */
export const synthesizeStack = (options: { stage?: string; bundle?: boolean; addToStack?: (stack: ReferralStack) => void } = {}) => {
  const outdir = mkdtempSync(join(tmpdir(), 'trm-synth-'));
  const context: Record<string, unknown> = { ...cdkJson.context, stage: options.stage ?? 'dev' };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ outdir, context });
  const config = loadStageConfig((key) => app.node.tryGetContext(key));
  const stack = new ReferralStack(app, `trm-${config.stage}`, { config });
  options.addToStack?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return { stack, outdir, assembly, template: Template.fromStack(stack) };
};
