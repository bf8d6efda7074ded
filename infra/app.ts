#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadStageConfig, StageConfigError } from './config.ts';
import { ReferralStack } from './stack.ts';

const app = new App();
try {
  const config = loadStageConfig((key) => app.node.tryGetContext(key));
  new ReferralStack(app, `trm-${config.stage}`, {
    config,
    description: `Transnational referral mechanism backend (${config.stage})`,
  });
} catch (error) {
  if (error instanceof StageConfigError) {
    // One clear line for ops instead of a stack trace.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
