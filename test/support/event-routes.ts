import type { Template } from 'aws-cdk-lib/assertions';
import type { Json } from './json.ts';

type Resource = { Type: string; Properties: Record<string, Json> };

/**
 * How a function is fed domain events in a synthesized template: the bus rules whose targets are
 * its queue, the queue, and the queue's event source mapping. Fails when the function has more
 * than one queue mapping.
 */
export const eventRouteOf = (template: Template, functionId: string) => {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const queues = template.findResources('AWS::SQS::Queue') as Record<string, Resource>;
  const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>).filter(
    (mapping) =>
      mapping.Properties.FunctionName.Ref === functionId && String(mapping.Properties.EventSourceArn?.['Fn::GetAtt']?.[0]) in queues
  );
  if (mappings.length !== 1) throw new Error(`expected one queue mapping for ${functionId}, found ${mappings.length}`);
  const mapping = mappings[0]!;
  const queueId = mapping.Properties.EventSourceArn['Fn::GetAtt'][0] as string;
  const rules = Object.values(template.findResources('AWS::Events::Rule') as Record<string, Resource>).filter((rule) =>
    (rule.Properties.Targets as Json[]).some((target) => target.Arn?.['Fn::GetAtt']?.[0] === queueId)
  );
  return { mapping, queueId, queue: resources[queueId]!, rules, patterns: rules.map((rule) => rule.Properties.EventPattern) };
};

/** Logical ids of the event source mappings that read the stream of the table whose id starts with `tablePrefix`. */
export const streamReadersOf = (template: Template, tablePrefix: string): string[] =>
  Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>)
    .filter((mapping) => {
      const [source, attribute] = (mapping.Properties.EventSourceArn?.['Fn::GetAtt'] ?? []) as string[];
      return attribute === 'StreamArn' && source?.startsWith(tablePrefix) === true;
    })
    .map((mapping) => mapping.Properties.FunctionName.Ref as string);
