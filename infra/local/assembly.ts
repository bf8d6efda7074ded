import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnResource } from './template.ts';

export interface AssemblyFunction {
  /** The bundle's source: what `index.mjs` holds. */
  code: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  properties?: Record<string, unknown>;
}

/**
 * Writes a cloud assembly laid out as `cdk synth` lays one out (manifest, template, asset
 * manifest, `asset.<hash>/index.mjs`), so the local stack runs hand-written functions exactly as
 * it runs bundled ones. For fixture templates (tests) and the benchmark's probes.
 */
export function writeCloudAssembly(
  functions: Record<string, AssemblyFunction>,
  resources: Record<string, CfnResource> = {},
  stackName = 'fixture',
  /** Write over an existing assembly, as `cdk synth` does in watch mode. */
  outDir = mkdtempSync(join(tmpdir(), 'trm-assembly-'))
): string {
  const files: Record<string, unknown> = {};
  const allResources: Record<string, CfnResource> = { ...resources };
  for (const [logicalId, fn] of Object.entries(functions)) {
    const hash = createHash('sha256').update(logicalId).update(fn.code).digest('hex');
    mkdirSync(join(outDir, `asset.${hash}`), { recursive: true });
    writeFileSync(join(outDir, `asset.${hash}`, 'index.mjs'), fn.code);
    files[hash] = { source: { path: `asset.${hash}`, packaging: 'zip' }, destinations: {} };
    allResources[logicalId] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, as cdk synth writes it
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: `${hash}.zip` },
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: fn.timeout ?? 10,
        MemorySize: fn.memorySize ?? 256,
        Environment: { Variables: fn.environment ?? {} },
        ...fn.properties,
      },
    };
  }
  writeFileSync(join(outDir, `${stackName}.template.json`), JSON.stringify({ Resources: allResources }, null, 2));
  writeFileSync(join(outDir, `${stackName}.assets.json`), JSON.stringify({ version: '55.0.0', files }, null, 2));
  writeFileSync(
    join(outDir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: { [stackName]: { type: 'aws:cloudformation:stack', properties: { templateFile: `${stackName}.template.json` } } },
    })
  );
  return outDir;
}
