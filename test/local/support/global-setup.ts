import type { TestProject } from 'vitest/node';
import { type LocalEndpoints, startEmulators } from '../../../infra/local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    localEmulators: { endpoints: LocalEndpoints; inboxUrl: string };
  }
}

/** One set of emulators for every fixture stack; each stack prefixes its table and queue names. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulators = await startEmulators();
  project.provide('localEmulators', { endpoints: emulators.endpoints, inboxUrl: emulators.inboxUrl });
  return () => emulators.stop();
}
