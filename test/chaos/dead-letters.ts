import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../infra/local/local-stack.ts';
import { localCredentials } from '../../infra/local/provision.ts';
import { type CfnResource, loadStackTemplate, localRegion } from '../../infra/local/template.ts';
import { moveDeadLetters } from '../../infra/ops/dead-letters.ts';
import { queueDepth } from '../support/quiescence.ts';

/*
 * The template's dead-letter queues and where their messages go back to: a queue's redrive policy
 * names its dead-letter queue (back to that queue), an event rule's target names one (back to the
 * target queue), a stream mapping's on-failure destination holds AWS's invocation records, which
 * point at stream records rather than carry them (no queue to move them to).
 */

export interface DeadLetterRoute {
  deadLetter: { logicalId: string; url: string };
  /** Where its messages are consumed again; undefined for a stream mapping's on-failure destination. */
  to: { logicalId: string; url: string } | undefined;
  via: 'redrive policy' | 'rule target' | 'stream on-failure';
}

export interface DeadLetterFigures {
  logicalId: string;
  via: DeadLetterRoute['via'];
  /** Messages found there over the run's redrive rounds. */
  found: number;
  redriven: number;
  /** Left at the end. */
  remaining: number;
}

const getAttTarget = (value: unknown): string | undefined =>
  (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];

export function deadLetterRoutes(stack: LocalStack): DeadLetterRoute[] {
  const resources = Object.entries(loadStackTemplate(stack.cdkOutDir).Resources ?? {}) as Array<[string, CfnResource]>;
  const at = (logicalId: string) => ({ logicalId, url: stack.resources[logicalId]!.ref });
  const routes: DeadLetterRoute[] = [];
  for (const [logicalId, resource] of resources) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::SQS::Queue') {
      const deadLetter = getAttTarget((properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
      if (deadLetter !== undefined) routes.push({ deadLetter: at(deadLetter), to: at(logicalId), via: 'redrive policy' });
    }
    if (resource.Type === 'AWS::Events::Rule') {
      for (const target of (properties.Targets ?? []) as Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown } }>) {
        const deadLetter = getAttTarget(target.DeadLetterConfig?.Arn);
        const to = getAttTarget(target.Arn);
        if (deadLetter !== undefined && to !== undefined) routes.push({ deadLetter: at(deadLetter), to: at(to), via: 'rule target' });
      }
    }
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination;
      const onFailure = getAttTarget(destination);
      if (onFailure !== undefined) routes.push({ deadLetter: at(onFailure), to: undefined, via: 'stream on-failure' });
    }
  }
  return routes;
}

/** Moves every dead letter back to its queue (infra/ops/dead-letters.ts, as `npm run redrive` does); counts what each held and what is left. */
export async function redriveDeadLetters(
  stack: LocalStack,
  routes: DeadLetterRoute[],
  figures: Map<string, DeadLetterFigures>
): Promise<number> {
  const sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: stack.endpoints.sqs });
  let moved = 0;
  try {
    for (const route of routes) {
      const entry = figures.get(route.deadLetter.logicalId) ?? {
        logicalId: route.deadLetter.logicalId,
        via: route.via,
        found: 0,
        redriven: 0,
        remaining: 0,
      };
      figures.set(route.deadLetter.logicalId, entry);
      const depth = await queueDepth(sqs, route.deadLetter.url);
      entry.found += depth;
      if (route.to !== undefined && depth > 0) {
        const queueRef = ({ url }: { url: string }) => ({ url, arn: '', name: url.split('/').at(-1) ?? url });
        const result = await moveDeadLetters(sqs, { source: queueRef(route.to), deadLetter: queueRef(route.deadLetter) });
        entry.redriven += result.moved;
        moved += result.moved;
      }
      entry.remaining = await queueDepth(sqs, route.deadLetter.url);
    }
  } finally {
    sqs.destroy();
  }
  return moved;
}
