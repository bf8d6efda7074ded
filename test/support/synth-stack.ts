import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { OperationsStack } from '../../infra/constructs/operations-stack.ts';
import { addReferralStack } from '../../infra/referral-app.ts';
import type { ReferralStack } from '../../infra/stack.ts';

/**
 * Synthesizes the stack in-process with the context of cdk.json, the way `cdk synth` does (the app's
 * own `addReferralStack`, rule packs included): synthesis throws on any unacknowledged finding.
 * `bundle: false` skips esbuild for the tests that only read the template; `context` adds `-c` values.
 * `operations` is the nested stack of the alarms and the dashboard (infra/constructs/operations-stack.ts)
 * with each of its parameters read as the value the parent passes in, so its alarms and dashboard
 * name the parent's logical ids as they did when they were in the parent.
 */
export const synthesizeStack = (
  options: {
    stage?: string;
    bundle?: boolean;
    context?: Record<string, unknown>;
    addToStack?: (stack: ReferralStack) => void;
    /** Synthesize into this directory (a previous synth's, to reuse its bundles) instead of a new one. */
    outdir?: string;
  } = {}
) => {
  const outdir = options.outdir ?? mkdtempSync(join(tmpdir(), 'trm-synth-'));
  const context: Record<string, unknown> = { ...cdkJson.context, ...options.context, stage: options.stage ?? 'dev' };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ outdir, context });
  const stack = addReferralStack(app);
  options.addToStack?.(stack);
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const operationsStack = OperationsStack.of(stack);
  const operations = Template.fromJSON(asPassedIn(Template.fromStack(operationsStack).toJSON(), parametersOf(template)));
  return { stack, outdir, assembly, template, operationsStack, operations };
};

/** The parameters the parent passes its one nested stack. */
const parametersOf = (parent: Template): Record<string, unknown> => {
  const nested = Object.values(parent.findResources('AWS::CloudFormation::Stack'));
  if (nested.length !== 1) throw new Error(`expected one nested stack, found ${nested.length}`);
  return nested[0]!.Properties.Parameters ?? {};
};

/** `value` with every `{ Ref: <parameter> }` replaced by what the parent passes for it. */
const asPassedIn = (value: unknown, parameters: Record<string, unknown>): Record<string, unknown> => {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    if (entries.length === 1 && entries[0]![0] === 'Ref' && typeof entries[0]![1] === 'string' && entries[0]![1] in parameters) {
      return parameters[entries[0]![1]];
    }
    return Object.fromEntries(entries.map(([key, member]) => [key, walk(member)]));
  };
  return walk(value) as Record<string, unknown>;
};
