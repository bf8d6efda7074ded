import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Every file imports aws-cdk-lib and the whole app: import them once per worker.
          isolate: false,
          // Synthesizing the stack bundles every function with esbuild.
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/integration-setup.ts'],
          // Files share one set of emulators, so a handler under test must not consume
          // another file's queue messages or stream records.
          fileParallelism: false,
          // Isolated (a process per file): a file's queue pollers must end with it, or a poll still
          // open would take the next file's messages.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          // Fixture templates run by the local stack against one shared set of emulators.
          globalSetup: ['test/local/support/global-setup.ts'],
          // Files run one after another: the semantics under test are about concurrency and
          // timing, which a neighbour's workers competing for two CPUs would blur.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // After the in-process suites, so the stacks' worker processes do not compete with them.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The real app, synthesized once for the integration suite and this one.
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
