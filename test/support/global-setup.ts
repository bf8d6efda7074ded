import type { TestProject } from 'vitest/node';
import { type LocalEndpoints, startEmulators } from '../../infra/local/emulators.ts';
import { startTemplateEventBus } from '../../infra/local/event-bus-server.ts';
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
  const stops = [() => emulators.stop()];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const resources = await provisionResources(template, emulators.endpoints, { stackName });
    // The template's event bus, routing to its queues as the local stack's does.
    const bus = await startTemplateEventBus(template, resources, { stackName, sqsEndpoint: emulators.endpoints.sqs, warn: console.warn });
    stops.push(() => bus.close());
    project.provide('endpoints', { ...emulators.endpoints, eventbridge: bus.url });
    project.provide('inboxUrl', emulators.inboxUrl);
    project.provide('resources', resources);
    project.provide('functionEnvironments', functionEnvironments(template, resources, stackName));
    project.provide('templatePath', templatePath);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return stopAll;
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
