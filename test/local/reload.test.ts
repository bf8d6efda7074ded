import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bundleEntryMetadata, bundleOptions, projectRoot, rebuiltAssetsFile } from '../../infra/bundling.ts';
import { writeCloudAssembly } from '../../infra/local/assembly.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import type { CfnResource } from '../../infra/local/template.ts';

/*
 * Watch mode re-synthesizes into the same cloud assembly and reloads: the functions' new code,
 * new routes and triggers are picked up while the emulators and their data stay.
 */
let stack: LocalStack | undefined;
let codeStack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
  await codeStack?.stop();
});

const version = (n: number) => `export const handler = async () => ({ statusCode: 200, body: 'version ${n}' });`;

const httpApi = (routes: string[]): Record<string, CfnResource> => ({
  Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'reload', ProtocolType: 'HTTP' } },
  Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Api' }, StageName: '$default' } },
  Integration: {
    Type: 'AWS::ApiGatewayV2::Integration',
    Properties: {
      ApiId: { Ref: 'Api' },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': ['Handler', 'Arn'] },
      PayloadFormatVersion: '2.0',
    },
  },
  ...Object.fromEntries(
    routes.map((routeKey, i) => [
      `Route${i}`,
      {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: { ApiId: { Ref: 'Api' }, RouteKey: routeKey, Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'Integration' }]] } },
      },
    ])
  ),
});

describe('reloading after a new synth', () => {
  it('runs the new code and the new routes, and keeps serving on the same port', async () => {
    const cdkOutDir = writeCloudAssembly({ Handler: { code: version(1) } }, httpApi(['GET /v']), 'reload');
    stack = await startLocalStack({ cdkOutDir, emulators: inject('localEmulators'), namePrefix: `r${Date.now()}-`, seeders: [], port: 0 });
    expect(await (await fetch(`${stack.apiUrl}/v`)).text()).toBe('version 1');
    expect((await fetch(`${stack.apiUrl}/w`)).status).toBe(404);

    writeCloudAssembly({ Handler: { code: version(2) } }, httpApi(['GET /v', 'GET /w']), 'reload', cdkOutDir);
    await stack.reload();
    expect(await (await fetch(`${stack.apiUrl}/v`)).text()).toBe('version 2');
    expect(await (await fetch(`${stack.apiUrl}/w`)).text()).toBe('version 2');
  });

  it('keeps the running version when the new template cannot run, and says why', async () => {
    const cdkOutDir = stack!.cdkOutDir;
    writeCloudAssembly(
      { Handler: { code: version(3) } },
      { ...httpApi(['GET /v']), StateMachine: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} } },
      'reload',
      cdkOutDir
    );
    await expect(stack!.reload()).rejects.toThrow(/^Resources\.StateMachine: type AWS::StepFunctions::StateMachine is not supported/);
    expect(await (await fetch(`${stack!.apiUrl}/w`)).text()).toBe('version 2');
  });
});

/**
 * A cloud assembly whose functions were bundled from TypeScript entry files with the app's build
 * options, each recording its entry in the template's metadata as HouseFunction does.
 */
function bundledAssembly(entries: Record<string, string>, resources: Record<string, CfnResource>): string {
  const outDir = writeCloudAssembly(
    Object.fromEntries(Object.keys(entries).map((logicalId) => [logicalId, { code: `// ${logicalId}, bundled below` }])),
    resources,
    'rebundle'
  );
  const templateFile = join(outDir, 'rebundle.template.json');
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as { Resources: Record<string, CfnResource & { Metadata?: unknown }> };
  const targets = Object.entries(entries).map(([logicalId, entry]) => {
    const resource = template.Resources[logicalId] as CfnResource & { Metadata?: unknown; Properties: { Code: { S3Key: string } } };
    resource.Metadata = { [bundleEntryMetadata]: relative(projectRoot, entry) };
    return { entry, dir: `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}` };
  });
  writeFileSync(templateFile, JSON.stringify(template));
  buildSync(bundleOptions(targets, outDir));
  return outDir;
}

describe('reloading a saved function source without a synth', () => {
  const sourceDir = mkdtempSync(join(tmpdir(), 'trm-reload-sources-'));
  const shared = join(sourceDir, 'message.ts');
  const save = (file: string, code: string): void => writeFileSync(join(sourceDir, file), code);
  save('message.ts', "export const message = (): string => 'before the save';\n");
  save('greet.ts', "import { message } from './message.ts';\nexport const handler = async () => ({ statusCode: 200, body: message() });\n");
  save('other.ts', "export const handler = async () => ({ statusCode: 200, body: 'other' });\n");

  it('rebuilds the bundles that include the saved file, restarts those functions alone, and serves the new code', async () => {
    const cdkOutDir = bundledAssembly({ Handler: join(sourceDir, 'greet.ts'), Other: join(sourceDir, 'other.ts') }, httpApi(['GET /v']));
    codeStack = await startLocalStack({
      cdkOutDir,
      emulators: inject('localEmulators'),
      namePrefix: `c${Date.now()}-`,
      seeders: [],
      port: 0,
    });
    const stackOf = codeStack;
    expect(await (await fetch(`${stackOf.apiUrl}/v`)).text()).toBe('before the save');

    save('message.ts', "export const message = (): string => 'after the save';\n");
    expect(await stackOf.reloadCode([shared])).toEqual(['Handler']);
    // Served by a new environment once it has loaded the rebuilt bundle: poll, within a bound.
    let body = '';
    for (const deadline = Date.now() + 20_000; body !== 'after the save' && Date.now() < deadline; ) {
      body = await (await fetch(`${stackOf.apiUrl}/v`)).text();
    }
    expect(body).toBe('after the save');
    // The rebuilt asset no longer matches its hash: the next synth into this assembly drops it.
    expect(JSON.parse(readFileSync(join(cdkOutDir, rebuiltAssetsFile), 'utf8'))).toEqual([
      relative(cdkOutDir, stackOf.functions().find((spec) => spec.logicalId === 'Handler')?.codeDir ?? ''),
    ]);
  });

  it('keeps the running version when the saved code does not build, and says why', async () => {
    const stackOf = codeStack!;
    save('message.ts', "export const message = (): string => 'broken\n");
    await expect(stackOf.reloadCode([shared])).rejects.toThrow(/message\.ts.*Unterminated string literal/s);
    expect(await (await fetch(`${stackOf.apiUrl}/v`)).text()).toBe('after the save');
  });

  it('rebuilds nothing for a file no running bundle includes', async () => {
    const stackOf = codeStack!;
    save('unused.ts', 'export const unused = 1;\n');
    expect(await stackOf.reloadCode([join(sourceDir, 'unused.ts')])).toEqual([]);
  });
});
