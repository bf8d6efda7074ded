import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * The rule packs every synthesis of the app runs (`cdk synth`, `cdk deploy`, the local stack's
 * synth and the template tests): any finding not acknowledged at its resource, error or warning,
 * fails the synthesis. cdk-nag 3 runs as a CDK policy-validation plugin, not as an aspect, so an
 * acknowledgement is `Validations.of(construct).acknowledge({ id, reason })` on the construct or
 * an ancestor of it.
 */
export function applyChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
