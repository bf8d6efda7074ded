import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleEntryMetadata, projectRoot } from '../bundling.ts';
import { resolveFunctionEnvironment } from './provision.ts';
import { resourcesOfType } from './resource-types.ts';
import {
  type CfnResource,
  type CfnTemplate,
  isRecord,
  localAccountId,
  localRegion,
  type ResourceContext,
  resolveString,
} from './template.ts';

/** Everything needed to run one `AWS::Lambda::Function` of the template locally. */
export interface FunctionSpec {
  logicalId: string;
  functionName: string;
  arn: string;
  /** The bundled asset directory in the cloud assembly (Lambda's `/var/task`). */
  codeDir: string;
  /** The module file `Handler` points at, and the export it names. */
  handlerFile: string;
  handlerExport: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Resolved `Environment.Variables`. */
  environment: Record<string, string>;
  /** `ReservedConcurrentExecutions`, when the template caps the function. */
  reservedConcurrency?: number;
  logFormat: 'Text' | 'JSON';
  /** The entry file its asset was bundled from (absolute), when the template names one. */
  bundleEntry?: string;
}

/** Properties the local runtime honours. */
const Used = new Set([
  'Code',
  'Environment',
  'FunctionName',
  'Handler',
  'LoggingConfig',
  'MemorySize',
  'PackageType',
  'ReservedConcurrentExecutions',
  'Runtime',
  'Timeout',
]);

/** Properties with no local behaviour. */
const Ignored = new Set([
  'Architectures',
  'CodeSigningConfigArn',
  'DeadLetterConfig',
  'Description',
  'EphemeralStorage',
  'KmsKeyArn',
  'RecursiveLoop',
  'Role',
  'RuntimeManagementConfig',
  'SnapStartConfig',
  'Tags',
  'TracingConfig',
]);

const SupportedRuntimes = /^nodejs(18|20|22|24)\.x$/;
const DefaultTimeoutSeconds = 3;
const DefaultMemoryMb = 128;
const ModuleExtensions = ['.mjs', '.js', '.cjs'];

/** The name CloudFormation would generate is random; locally it is stable and readable. */
export function localFunctionName(logicalId: string, properties: Record<string, unknown>, stackName: string): string {
  const name = properties.FunctionName;
  if (typeof name === 'string') return name;
  return `${stackName}-${logicalId}`.slice(0, 64);
}

export function functionArn(functionName: string): string {
  return `arn:aws:lambda:${localRegion}:${localAccountId}:function:${functionName}`;
}

/**
 * What each function resolves to for intrinsics (`Ref` is its name, `Fn::GetAtt Arn` its ARN), so
 * integrations, mappings and rules can point at it. Available before any function runs.
 */
export function functionReferences(template: CfnTemplate, stackName: string): ResourceContext {
  return Object.fromEntries(
    resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, resource]) => {
      const functionName = localFunctionName(logicalId, resource.Properties ?? {}, stackName);
      return [logicalId, { ref: functionName, attributes: { Arn: functionArn(functionName) } }];
    })
  );
}

export function readFunctionSpecs(template: CfnTemplate, cdkOutDir: string, ctx: ResourceContext, stackName: string): FunctionSpec[] {
  const assets = assetDirectories(cdkOutDir);
  return resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, resource]) =>
    functionSpec(template, logicalId, resource, { cdkOutDir, assets, ctx, stackName })
  );
}

interface SpecContext {
  cdkOutDir: string;
  assets: Map<string, string>;
  ctx: ResourceContext;
  stackName: string;
}

function functionSpec(
  template: CfnTemplate,
  logicalId: string,
  resource: CfnResource,
  { cdkOutDir, assets, ctx, stackName }: SpecContext
): FunctionSpec {
  const properties = resource.Properties ?? {};
  const at = `Resources.${logicalId}`;
  for (const name of Object.keys(properties)) {
    if (!Used.has(name) && !Ignored.has(name)) {
      throw new Error(`${at}: unsupported AWS::Lambda::Function property ${name}`);
    }
  }
  if (properties.PackageType !== undefined && properties.PackageType !== 'Zip') {
    throw new Error(`${at}: container image functions are not supported by the local stack`);
  }
  const runtime = String(properties.Runtime ?? '');
  if (!SupportedRuntimes.test(runtime)) throw new Error(`${at}: runtime ${runtime || '(none)'} is not supported locally`);
  const handler = String(properties.Handler ?? '');
  const codeDir = codeDirectory(logicalId, properties.Code, assets, cdkOutDir);
  const { handlerFile, handlerExport } = locateHandler(logicalId, codeDir, handler);
  const functionName = localFunctionName(logicalId, properties, stackName);
  const reserved = properties.ReservedConcurrentExecutions;
  const loggingConfig = isRecord(properties.LoggingConfig) ? properties.LoggingConfig : {};
  const bundleEntry = bundleEntryOf(resource);
  return {
    logicalId,
    functionName,
    arn: functionArn(functionName),
    codeDir,
    handlerFile,
    handlerExport,
    handler,
    runtime,
    timeoutSeconds: Number(properties.Timeout ?? DefaultTimeoutSeconds),
    memoryMb: Number(properties.MemorySize ?? DefaultMemoryMb),
    environment: resolveFunctionEnvironment(template, logicalId, ctx, { stackName }),
    ...(reserved === undefined ? {} : { reservedConcurrency: Number(resolveString(reserved, ctx)) }),
    logFormat: loggingConfig.LogFormat === 'JSON' ? 'JSON' : 'Text',
    ...(bundleEntry === undefined ? {} : { bundleEntry }),
  };
}

/** The entry file `HouseFunction` records in the function's metadata (`infra/bundling.ts`). */
function bundleEntryOf(resource: CfnResource & { Metadata?: unknown }): string | undefined {
  const entry = isRecord(resource.Metadata) ? resource.Metadata[bundleEntryMetadata] : undefined;
  return typeof entry === 'string' ? join(projectRoot, entry) : undefined;
}

/** Asset hash (the S3 key without `.zip`) → its directory in the cloud assembly. */
function assetDirectories(cdkOutDir: string): Map<string, string> {
  const directories = new Map<string, string>();
  for (const file of readdirSync(cdkOutDir).filter((name) => name.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(cdkOutDir, file), 'utf8')) as {
      files?: Record<string, { source?: { path?: string; packaging?: string } }>;
    };
    for (const [hash, asset] of Object.entries(manifest.files ?? {})) {
      if (asset.source?.path !== undefined) directories.set(hash, join(cdkOutDir, asset.source.path));
    }
  }
  return directories;
}

/** `Code.S3Key` names the asset CDK bundled; inline code (`ZipFile`) has no asset and is refused. */
function codeDirectory(logicalId: string, code: unknown, assets: Map<string, string>, cdkOutDir: string): string {
  const at = `Resources.${logicalId}.Properties.Code`;
  if (!isRecord(code) || typeof code.S3Key !== 'string') {
    throw new Error(`${at}: only bundled assets (Code.S3Key) are supported locally`);
  }
  const hash = code.S3Key.replace(/\.zip$/, '');
  const directory = assets.get(hash);
  if (directory === undefined) throw new Error(`${at}: asset ${hash} is not in the asset manifest of ${cdkOutDir}`);
  if (!existsSync(directory)) throw new Error(`${at}: asset directory ${directory} is missing (run cdk synth)`);
  return directory;
}

/** `Handler` is `path/to/module.export`, as the Node.js runtime reads it. */
function locateHandler(logicalId: string, codeDir: string, handler: string): { handlerFile: string; handlerExport: string } {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Resources.${logicalId}.Properties.Handler: ${handler || '(none)'} is not module.export`);
  const modulePath = handler.slice(0, dot);
  const handlerFile = ModuleExtensions.map((extension) => join(codeDir, `${modulePath}${extension}`)).find(existsSync);
  if (handlerFile === undefined) {
    throw new Error(`Resources.${logicalId}.Properties.Handler: no ${modulePath}.mjs/.js/.cjs in ${codeDir}`);
  }
  return { handlerFile, handlerExport: handler.slice(dot + 1) };
}
