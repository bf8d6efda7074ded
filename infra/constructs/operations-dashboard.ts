import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Dashboard, GraphWidget, type IMetric, MathExpression, Metric, SingleValueWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { businessMetricNames } from '../../functions/domain/business-metrics.ts';
import type { StageConfig } from '../config.ts';
import { CaseStreamConsumer } from './case-stream-consumer.ts';
import { HouseFunction, metricsNamespace } from './house-function.ts';
import { OperationsStack } from './operations-stack.ts';
import { QueueWithDeadLetter } from './queue-with-dead-letter.ts';

export interface OperationsDashboardProps {
  readonly config: StageConfig;
  readonly httpApi: HttpApi;
}

const period = Duration.minutes(5);
const wide = 12;
const height = 6;

/** Shorter labels: construct paths such as `Lifecycle/OfferReferral` instead of the generated names. */
const labelOf = (construct: Construct): string => construct.node.path.split('/').slice(1).join('/');

/**
 * The stage's one CloudWatch dashboard (`trm-<stage>`): the partner API (requests, 5xx, 4xx,
 * latency), every function's errors and throttles, each consumer's errors, the stream consumers'
 * iterator age, each queue's oldest message and dead letters, SES sending (sends, bounces,
 * complaints, reputation), and the business figures the functions record (namespace TRM,
 * functions/domain/business-metrics.ts). Built from the stack as it stands when it is created:
 * create it last, after every function and queue. It lives in the operations stack beside the
 * alarms (infra/constructs/operations-stack.ts) and shows what the stack it is made in holds.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(OperationsStack.of(scope), id);
    const { config, httpApi } = props;
    const all = (OperationsStack.of(scope).nestedStackParent ?? Stack.of(scope)).node.findAll();
    const functions = all.filter((construct): construct is HouseFunction => construct instanceof HouseFunction);
    const queues = all.filter((construct): construct is QueueWithDeadLetter => construct instanceof QueueWithDeadLetter);
    const streamFailures = all.filter((construct): construct is CaseStreamConsumer => construct instanceof CaseStreamConsumer);
    const mappingsOf = (fn: HouseFunction) =>
      fn.node.findAll().filter((child): child is CfnEventSourceMapping => child instanceof CfnEventSourceMapping);
    // A consumer is a function some event source (a queue, the stream) invokes; a stream mapping has a starting position.
    const consumers = functions.filter((fn) => mappingsOf(fn).length > 0);
    const streamConsumers = functions.filter((fn) => mappingsOf(fn).some((mapping) => mapping.startingPosition !== undefined));

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `trm-${config.stage}`,
      defaultInterval: Duration.hours(3),
    });

    const sumOf = (label: string, prefix: string, metrics: IMetric[]) =>
      new MathExpression({
        expression: metrics.length === 0 ? '0' : `SUM([${metrics.map((_, index) => `${prefix}${index}`).join(',')}])`,
        usingMetrics: Object.fromEntries(metrics.map((metric, index) => [`${prefix}${index}`, metric])),
        label,
        period,
      });

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# trm-${config.stage}\nRunbook: docs/operations.md (alarms, mail and partner keys).`,
        width: 24,
        height: 2,
      })
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Partner API: requests, 5xx, 4xx',
        left: [httpApi.metricCount({ period }), httpApi.metricServerError({ period }), httpApi.metricClientError({ period })],
        width: wide,
        height,
      }),
      new GraphWidget({
        title: 'Partner API: latency (p50, p99)',
        left: [httpApi.metricLatency({ period, statistic: 'p50' }), httpApi.metricLatency({ period, statistic: 'p99' })],
        width: wide,
        height,
      })
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'All functions: errors and throttles',
        left: [
          sumOf(
            'Errors',
            'errors',
            functions.map((fn) => fn.metricErrors({ period }))
          ),
          sumOf(
            'Throttles',
            'throttles',
            functions.map((fn) => fn.metricThrottles({ period }))
          ),
        ],
        width: wide,
        height,
      }),
      new GraphWidget({
        title: 'Consumers: errors',
        left: consumers.map((fn) => fn.metricErrors({ period, label: labelOf(fn) })),
        width: wide,
        height,
      })
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Stream consumers: iterator age (max, ms)',
        left: streamConsumers.map(
          (fn) =>
            new Metric({
              namespace: 'AWS/Lambda',
              metricName: 'IteratorAge',
              dimensionsMap: { FunctionName: fn.functionName },
              statistic: 'Maximum',
              period,
              label: labelOf(fn),
            })
        ),
        width: wide,
        height,
      }),
      new GraphWidget({
        title: 'Queues: age of the oldest message (s)',
        left: queues.map((queue) =>
          queue.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum', label: labelOf(queue) })
        ),
        width: wide,
        height,
      })
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: "Dead-letter queues and stream consumers' on-failure queues: messages",
        left: [
          ...queues.map((queue) =>
            queue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: labelOf(queue) })
          ),
          ...streamFailures.map((failures) =>
            failures.onFailureQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum', label: labelOf(failures) })
          ),
        ],
        width: wide,
        height,
      }),
      new GraphWidget({
        title: 'SES: sends, deliveries, bounces, complaints',
        left: ['Send', 'Delivery', 'Bounce', 'Complaint'].map(
          (metricName) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Sum', period })
        ),
        right: ['Reputation.BounceRate', 'Reputation.ComplaintRate'].map(
          (metricName) => new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period })
        ),
        width: wide,
        height,
      })
    );
    // The figures carry code dimensions (programme, outcome, status, ...) that differ per figure,
    // so each is a search over its metric name within this stage, summed.
    const figure = (metricName: string) =>
      new MathExpression({
        expression: `SUM(SEARCH('{${metricsNamespace}} MetricName="${metricName}" stage="${config.stage}"', 'Sum', 3600))`,
        label: metricName,
        period: Duration.hours(1),
      });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Business figures per hour',
        left: businessMetricNames.map(figure),
        width: 16,
        height,
      }),
      new SingleValueWidget({
        title: 'Referrals submitted, decisions (last 24 h)',
        metrics: ['ReferralsSubmitted', 'Decisions'].map(
          (metricName) =>
            new MathExpression({
              expression: `SUM(SEARCH('{${metricsNamespace}} MetricName="${metricName}" stage="${config.stage}"', 'Sum', 86400))`,
              label: metricName,
              period: Duration.days(1),
            })
        ),
        width: 8,
        height,
      })
    );
  }
}
