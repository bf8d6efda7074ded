import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/bundling.ts';
import { runbookAnchors } from '../../infra/constructs/operational-alarms.ts';
import type { Json } from '../support/json.ts';
import { synthesizeStack } from '../support/synth-stack.ts';

const { template, operations } = synthesizeStack({ stage: 'prod', bundle: false });
const resourcesOf = (type: string): Record<string, Json> => template.findResources(type);
// The alarms live in the operations stack (infra/constructs/operations-stack.ts), read with the parent's ids.
const alarms = Object.entries(operations.findResources('AWS::CloudWatch::Alarm') as Record<string, Json>);
const alarmTopicId = Object.keys(resourcesOf('AWS::SNS::Topic')).find((id) => id.startsWith('AlarmTopic'))!;

/** The metrics an alarm watches, by name, with their dimensions as JSON (for a simple or a math alarm). */
const metricsOf = (alarm: Json): Array<{ name: string; namespace: string; dimensions: string }> =>
  alarm.Properties.MetricName !== undefined
    ? [
        {
          name: alarm.Properties.MetricName,
          namespace: alarm.Properties.Namespace,
          dimensions: JSON.stringify(alarm.Properties.Dimensions ?? []),
        },
      ]
    : (alarm.Properties.Metrics as Json[])
        .filter((query) => query.MetricStat !== undefined)
        .map((query) => ({
          name: query.MetricStat.Metric.MetricName,
          namespace: query.MetricStat.Metric.Namespace,
          dimensions: JSON.stringify(query.MetricStat.Metric.Dimensions ?? []),
        }));

const alarmsOn = (metricName: string, dimension?: string) =>
  alarms.filter(([, alarm]) =>
    metricsOf(alarm).some(
      (metric) => metric.name === metricName && (dimension === undefined || metric.dimensions.includes(`"${dimension}"`))
    )
  );

describe('alarms', () => {
  const runbook = readFileSync(join(projectRoot, 'docs', 'operations.md'), 'utf8');
  const headingAnchors = new Set(
    [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((match) =>
      (match[1] as string)
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-')
    )
  );

  it.each(alarms)('%s notifies the ops topic and links a runbook entry that exists', (_id, alarm) => {
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId }]);
    const anchor = String(alarm.Properties.AlarmDescription).match(/Runbook: docs\/operations\.md#([a-z0-9-]+)$/)?.[1];
    expect(Object.values(runbookAnchors)).toContain(anchor);
    expect(headingAnchors).toContain(anchor);
  });

  const functions = Object.keys(resourcesOf('AWS::Lambda::Function'));
  it.each(functions)('function %s has an error-rate alarm and a throttles alarm', (id) => {
    const errorRate = alarmsOn('Errors', id).filter(([, alarm]) => metricsOf(alarm).some((metric) => metric.name === 'Invocations'));
    expect(errorRate).toHaveLength(1);
    expect(errorRate[0]![1].Properties.Metrics.find((query: Json) => query.ReturnData !== false).Expression).toBe(
      '100 * errors / MAX([invocations, 1])'
    );
    expect(alarmsOn('Throttles', id)).toHaveLength(1);
  });

  it('the two stream readers have an iterator-age alarm each', () => {
    const streamReaders = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping'))
      .filter((mapping) => JSON.stringify(mapping.Properties.EventSourceArn).includes('StreamArn'))
      .map((mapping) => mapping.Properties.FunctionName.Ref as string);
    expect(streamReaders).toHaveLength(2);
    for (const reader of streamReaders) {
      const ageAlarms = alarmsOn('IteratorAge', reader);
      expect(ageAlarms).toHaveLength(1);
      expect(ageAlarms[0]![1].Properties.Threshold).toBe(300_000);
    }
  });

  it('every queue fed to a function has an oldest-message-age alarm, every dead-letter and on-failure queue a dead-letter alarm', () => {
    const queues = resourcesOf('AWS::SQS::Queue');
    const consumedQueues = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping'))
      .map((mapping) => mapping.Properties.EventSourceArn?.['Fn::GetAtt']?.[0] as string | undefined)
      .filter((id): id is string => id !== undefined && id in queues);
    expect(consumedQueues.length).toBeGreaterThanOrEqual(6);
    for (const queue of consumedQueues) expect(alarmsOn('ApproximateAgeOfOldestMessage', queue)).toHaveLength(1);
    const others = Object.keys(queues).filter((id) => !consumedQueues.includes(id));
    expect(others.length).toBeGreaterThanOrEqual(8);
    for (const queue of others) {
      const deadLetter = alarmsOn('ApproximateNumberOfMessagesVisible', queue);
      expect(deadLetter).toHaveLength(1);
      expect(deadLetter[0]![1].Properties.Threshold).toBe(1);
    }
  });

  it('the partner API has a 5xx-rate alarm and a p99-latency alarm', () => {
    const apiId = Object.keys(resourcesOf('AWS::ApiGatewayV2::Api'))[0]!;
    const serverErrors = alarmsOn('5xx', apiId);
    expect(serverErrors).toHaveLength(1);
    expect(metricsOf(serverErrors[0]![1]).map((metric) => metric.name)).toEqual(['5xx', 'Count']);
    const latency = alarmsOn('Latency', apiId);
    expect(latency).toHaveLength(1);
    expect(latency[0]![1].Properties.ExtendedStatistic).toBe('p99');
  });

  it("the account's SES bounce and complaint rates have an alarm each, below the rates SES reviews accounts at", () => {
    const bounces = alarmsOn('Reputation.BounceRate');
    const complaints = alarmsOn('Reputation.ComplaintRate');
    expect(bounces).toHaveLength(1);
    expect(complaints).toHaveLength(1);
    expect(bounces[0]![1].Properties.Namespace).toBe('AWS/SES');
    expect(bounces[0]![1].Properties.Threshold).toBeLessThan(0.05);
    expect(complaints[0]![1].Properties.Threshold).toBeLessThan(0.001);
  });
});
