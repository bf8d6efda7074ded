import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { writeCloudAssembly } from '../../../infra/local/assembly.ts';
import type { InvocationRecord } from '../../../infra/local/lambda-runtime.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../infra/local/local-stack.ts';
import type { CfnResource } from '../../../infra/local/template.ts';

const Fixtures = new URL('../fixtures/', import.meta.url);

export interface FixtureFunction {
  /** A file of test/local/fixtures, bundled as the function's `index.mjs`. */
  code: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  reservedConcurrency?: number;
}

export interface FixtureTemplate {
  functions: Record<string, FixtureFunction>;
  resources?: Record<string, CfnResource>;
}

export interface FixtureStack extends LocalStack {
  /** Lines the fixture handlers appended to their record file, parsed. */
  // biome-ignore lint/suspicious/noExplicitAny: what the fixture handlers record is free-form; a test names the type when it wants one
  observations<T = Record<string, any>>(): T[];
  invocationsOf(logicalId: string): InvocationRecord[];
  recordFile: string;
}

/**
 * Starts the local stack on a fixture template against the project's shared emulators. Every
 * function gets RECORD_FILE, a file its handler appends what it saw to.
 */
export async function startFixtureStack(fixture: FixtureTemplate, options: Partial<LocalStackOptions> = {}): Promise<FixtureStack> {
  const recordFile = join(mkdtempSync(join(tmpdir(), 'trm-fixture-records-')), 'records.jsonl');
  const functions = Object.fromEntries(
    Object.entries(fixture.functions).map(([id, fn]) => [
      id,
      {
        code: readFileSync(new URL(fn.code, Fixtures), 'utf8'),
        ...(fn.timeout === undefined ? {} : { timeout: fn.timeout }),
        ...(fn.memorySize === undefined ? {} : { memorySize: fn.memorySize }),
        environment: { RECORD_FILE: recordFile, ...fn.environment },
        properties: {
          Role: { 'Fn::GetAtt': ['FixtureRole', 'Arn'] },
          ...(fn.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency }),
        },
      },
    ])
  );
  const resources = { ...fixture.resources, FixtureRole: { Type: 'AWS::IAM::Role', Properties: {} } };
  const cdkOutDir = writeCloudAssembly(functions, resources);
  const stack = await startLocalStack({
    cdkOutDir,
    emulators: inject('localEmulators'),
    namePrefix: `t${randomUUID().slice(0, 8)}-`,
    seeders: [],
    logDir: join(tmpdir(), 'trm-fixture-logs'),
    pollIntervalMs: 50,
    retryBaseDelayMs: 20,
    ...options,
  });
  return Object.assign(stack, {
    recordFile,
    observations: <T>() =>
      existsSync(recordFile)
        ? (readFileSync(recordFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line)) as T[])
        : [],
    invocationsOf: (logicalId: string) => stack.invocations.filter((record) => record.functionId === logicalId),
  });
}
