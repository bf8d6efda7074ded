import type { TestProject } from 'vitest/node';
import { type LocalEndpoints, startEmulators } from '../../infra/local/emulators.ts';
import { provisionResources, resolveFunctionEnvironment } from '../../infra/local/provision.ts';
import { synthesize } from '../../infra/local/synth.ts';
import { type CfnTemplate, loadStackTemplate, locateStackTemplate, type ResourceContext } from '../../infra/local/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: LocalEndpoints;
    /** GET it for `{ emails: [...] }`, everything SES received. */
    inboxUrl: string;
    /** What each provisioned table and queue resolves to, by logical id. */
    resources: ResourceContext;
    /** Resolved `Environment.Variables` of every Lambda function, by logical id. */
    functionEnvironments: Record<string, Record<string, string>>;
    templatePath: string;
  }
}

const CdkOut = 'cdk.out.test';

/** Synthesizes the real app, and provisions its tables and queues in fresh emulators. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { cdkOutDir } = await synthesize({ outDir: CdkOut });
  const { stackName, templatePath } = locateStackTemplate(cdkOutDir);
  const template = loadStackTemplate(cdkOutDir, stackName);
  const emulators = await startEmulators();
  try {
    const resources = await provisionResources(template, emulators.endpoints, { stackName });
    project.provide('endpoints', emulators.endpoints);
    project.provide('inboxUrl', emulators.inboxUrl);
    project.provide('resources', resources);
    project.provide('functionEnvironments', functionEnvironments(template, resources, stackName));
    project.provide('templatePath', templatePath);
  } catch (error) {
    await emulators.stop();
    throw error;
  }
  return () => emulators.stop();
}

function functionEnvironments(
  template: CfnTemplate,
  resources: ResourceContext,
  stackName: string
): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id]) => [id, resolveFunctionEnvironment(template, id, resources, { stackName })])
  );
}
