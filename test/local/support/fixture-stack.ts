import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { InvocationRecord } from '../../../infra/local/lambda-runtime.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../infra/local/local-stack.ts';
import type { CfnResource } from '../../../infra/local/template.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url);

export interface FixtureFunction {
  /** A file of test/local/fixtures, bundled as the function's `index.mjs`. */
  code: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  reservedConcurrency?: number;
  properties?: Record<string, unknown>;
}

export interface FixtureTemplate {
  functions: Record<string, FixtureFunction>;
  resources?: Record<string, CfnResource>;
}

/**
 * Writes a cloud assembly the way `cdk synth` lays one out (manifest, template, asset manifest,
 * `asset.<hash>/index.mjs`), so the local stack finds fixture code exactly as it finds real bundles.
 */
export function writeCloudAssembly(fixture: FixtureTemplate, stackName = 'fixture'): string {
  const outDir = mkdtempSync(join(tmpdir(), 'trm-fixture-assembly-'));
  const files: Record<string, unknown> = {};
  const resources: Record<string, CfnResource> = { ...fixture.resources };
  for (const [logicalId, fn] of Object.entries(fixture.functions)) {
    const code = readFileSync(new URL(fn.code, FIXTURES));
    const hash = createHash('sha256').update(logicalId).update(code).digest('hex');
    mkdirSync(join(outDir, `asset.${hash}`));
    copyFileSync(new URL(fn.code, FIXTURES), join(outDir, `asset.${hash}`, 'index.mjs'));
    files[hash] = { source: { path: `asset.${hash}`, packaging: 'zip' }, destinations: {} };
    resources[logicalId] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: `${hash}.zip` },
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: fn.timeout ?? 10,
        MemorySize: fn.memorySize ?? 256,
        Role: { 'Fn::GetAtt': ['FixtureRole', 'Arn'] },
        Environment: { Variables: fn.environment ?? {} },
        ...(fn.reservedConcurrency === undefined ? {} : { ReservedConcurrentExecutions: fn.reservedConcurrency }),
        ...fn.properties,
      },
    };
  }
  resources['FixtureRole'] = { Type: 'AWS::IAM::Role', Properties: {} };
  writeFileSync(join(outDir, `${stackName}.template.json`), JSON.stringify({ Resources: resources }, null, 2));
  writeFileSync(join(outDir, `${stackName}.assets.json`), JSON.stringify({ version: '55.0.0', files }, null, 2));
  writeFileSync(
    join(outDir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: { [stackName]: { type: 'aws:cloudformation:stack', properties: { templateFile: `${stackName}.template.json` } } },
    }),
  );
  return outDir;
}

export interface FixtureStack extends LocalStack {
  /** Lines the fixture handlers appended to their record file, parsed. */
  observations<T = Record<string, any>>(): T[];
  invocationsOf(logicalId: string): InvocationRecord[];
  recordFile: string;
}

/**
 * Starts the local stack on a fixture template against the project's shared emulators. Every
 * function gets RECORD_FILE, a file its handler appends what it saw to.
 */
export async function startFixtureStack(
  fixture: FixtureTemplate,
  options: Partial<LocalStackOptions> = {},
): Promise<FixtureStack> {
  const recordFile = join(mkdtempSync(join(tmpdir(), 'trm-fixture-records-')), 'records.jsonl');
  const functions = Object.fromEntries(
    Object.entries(fixture.functions).map(([id, fn]) => [id, { ...fn, environment: { RECORD_FILE: recordFile, ...fn.environment } }]),
  );
  const cdkOutDir = writeCloudAssembly({ ...fixture, functions });
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
