#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { StageConfigError } from './config.ts';
import { addReferralStack } from './referral-app.ts';

const app = new App();
try {
  addReferralStack(app);
} catch (error) {
  if (error instanceof StageConfigError) {
    // One clear line for ops instead of a stack trace.
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
