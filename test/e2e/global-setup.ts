import type { TestProject } from 'vitest/node';
import { synthesize } from '../../infra/local/synth.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    e2eCdkOut: string;
  }
}

/** The real app, synthesized by the CDK CLI (shared with the integration suite when up to date). */
export default async function setup(project: TestProject): Promise<void> {
  const { cdkOutDir } = await synthesize({ outDir: 'cdk.out.test' });
  project.provide('e2eCdkOut', cdkOutDir);
}
