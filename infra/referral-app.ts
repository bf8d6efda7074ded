import type { App } from 'aws-cdk-lib';
import { applyChecks } from './checks.ts';
import { loadStageConfig, stackPropsOf } from './config.ts';
import { ReferralStack } from './stack.ts';

/**
 * The app as `cdk synth` and `cdk deploy` build it (infra/app.ts), and the template tests too
 * (test/support/synth-stack.ts): the stage's stack, pinned and protected as its configuration says,
 * with the rule packs that fail the synthesis on an unacknowledged finding.
 */
export function addReferralStack(app: App): ReferralStack {
  const config = loadStageConfig((key) => app.node.tryGetContext(key));
  const stack = new ReferralStack(app, `trm-${config.stage}`, { config, ...stackPropsOf(config) });
  applyChecks(app);
  return stack;
}
