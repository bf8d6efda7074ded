import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeCloudAssembly } from '../../infra/local/assembly.ts';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack.ts';
import type { CfnResource } from '../../infra/local/template.ts';

/*
 * Watch mode re-synthesizes into the same cloud assembly and reloads: the functions' new code,
 * new routes and triggers are picked up while the emulators and their data stay.
 */
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
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
      { ...httpApi(['GET /v']), Bucket: { Type: 'AWS::S3::Bucket', Properties: {} } },
      'reload',
      cdkOutDir
    );
    await expect(stack!.reload()).rejects.toThrow(/^Resources\.Bucket: type AWS::S3::Bucket is not supported/);
    expect(await (await fetch(`${stack!.apiUrl}/w`)).text()).toBe('version 2');
  });
});
