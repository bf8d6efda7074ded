import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OperationsStack } from './operations-stack.ts';

/**
 * Each alarm names its entry in the runbook (docs/operations.md, section "Alarms"), so whoever is
 * paged finds what it means and what to do; test/infra/alarms.test.ts checks every anchor exists.
 */
export const runbookAnchors = {
  apiErrors: 'api-5xx-rate',
  apiLatency: 'api-p99-latency',
  functionErrors: 'function-error-rate',
  functionThrottles: 'function-throttles',
  streamIteratorAge: 'stream-iterator-age',
  queueAge: 'queue-oldest-message-age',
  deadLetters: 'dead-letters',
  sesBounces: 'ses-bounce-rate',
  sesComplaints: 'ses-complaint-rate',
  mailboxesFailing: 'mailboxes-failing',
} as const;
export type RunbookAnchor = (typeof runbookAnchors)[keyof typeof runbookAnchors];

export const runbookLink = (anchor: RunbookAnchor): string => `Runbook: docs/operations.md#${anchor}`;

export interface OpsAlarmProps {
  readonly topic: ITopic;
  readonly runbook: RunbookAnchor;
  readonly summary: string;
  readonly metric: IMetric;
  readonly threshold: number;
  /** Consecutive periods that must breach: more than one for what a single bad minute does not make an incident. */
  readonly evaluationPeriods?: number;
}

/**
 * An alarm whose action is the ops topic and whose description links its runbook entry. It watches
 * `scope` but lives in the stack's operations stack, under the same path (infra/constructs/operations-stack.ts).
 */
export function opsAlarm(scope: Construct, id: string, props: OpsAlarmProps): Alarm {
  const alarm = new Alarm(OperationsStack.of(scope).scopeFor(scope), id, {
    alarmDescription: `${props.summary}. ${runbookLink(props.runbook)}`,
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(props.topic));
  return alarm;
}

/**
 * A function's errors as a share of its invocations (a rate: one failed call among thousands is
 * not an incident, most calls failing is), and its throttles, which mean callers were turned away.
 */
export function functionAlarms(fn: IFunction, topic: ITopic, description: string): { errors: Alarm; throttles: Alarm } {
  const period = Duration.minutes(5);
  const errors = opsAlarm(fn, 'ErrorRateAlarm', {
    topic,
    runbook: runbookAnchors.functionErrors,
    summary: `${description}: 5% or more of its invocations failed in 5 minutes`,
    metric: new MathExpression({
      label: 'Error rate (%)',
      expression: '100 * errors / MAX([invocations, 1])',
      usingMetrics: { errors: fn.metricErrors({ period }), invocations: fn.metricInvocations({ period }) },
      period,
    }),
    threshold: 5,
  });
  const throttles = opsAlarm(fn, 'ThrottlesAlarm', {
    topic,
    runbook: runbookAnchors.functionThrottles,
    summary: `${description}: invocations were throttled in two 5-minute periods running`,
    metric: fn.metricThrottles({ period }),
    threshold: 1,
    evaluationPeriods: 2,
  });
  return { errors, throttles };
}

/** How far behind a stream reader is: records older than this are close to the stream's 24 hours. */
export function iteratorAgeAlarm(fn: IFunction, topic: ITopic, description: string): Alarm {
  return opsAlarm(fn, 'IteratorAgeAlarm', {
    topic,
    runbook: runbookAnchors.streamIteratorAge,
    summary: `${description}: the stream reader is 5 minutes or more behind, three minutes running`,
    metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
    threshold: Duration.minutes(5).toMilliseconds(),
    evaluationPeriods: 3,
  });
}

/** A work queue whose oldest message waits: its consumer is failing, throttled or too slow. */
export function queueAgeAlarm(scope: Construct, queue: IQueue, topic: ITopic, description: string): Alarm {
  return opsAlarm(scope, 'OldestMessageAlarm', {
    topic,
    runbook: runbookAnchors.queueAge,
    summary: `${description}: the oldest message has waited 10 minutes or more, three minutes running`,
    metric: queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(1) }),
    threshold: Duration.minutes(10).toSeconds(),
    evaluationPeriods: 3,
  });
}

/**
 * A dead-letter queue: a count of one is right here, since every message in it is work that did
 * not happen until someone redrives it (`npm run redrive`).
 */
export function deadLetterAlarm(scope: Construct, id: string, queue: IQueue, topic: ITopic, summary: string): Alarm {
  return opsAlarm(scope, id, {
    topic,
    runbook: runbookAnchors.deadLetters,
    summary,
    metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) }),
    threshold: 1,
  });
}

export interface StageAlarmsProps {
  readonly topic: ITopic;
  readonly httpApi: HttpApi;
}

/**
 * The alarms of the stage as a whole: the partner API's server errors as a rate and its p99
 * latency, and the account's SES reputation, which SES reviews at a 5% bounce or 0.1% complaint
 * rate and can pause sending over: the alarms fire well before either.
 */
export class StageAlarms extends Construct {
  readonly apiErrors: Alarm;
  readonly apiLatency: Alarm;
  readonly sesBounces: Alarm;
  readonly sesComplaints: Alarm;

  constructor(scope: Construct, id: string, props: StageAlarmsProps) {
    super(scope, id);
    const { topic, httpApi } = props;
    const period = Duration.minutes(5);
    this.apiErrors = opsAlarm(this, 'Api5xxRate', {
      topic,
      runbook: runbookAnchors.apiErrors,
      summary: 'Partner API: 1% or more of requests answered 5xx, two 5-minute periods running',
      metric: new MathExpression({
        label: '5xx rate (%)',
        expression: '100 * errors / MAX([requests, 1])',
        usingMetrics: { errors: httpApi.metricServerError({ period }), requests: httpApi.metricCount({ period }) },
        period,
      }),
      threshold: 1,
      evaluationPeriods: 2,
    });
    this.apiLatency = opsAlarm(this, 'ApiP99Latency', {
      topic,
      runbook: runbookAnchors.apiLatency,
      summary: 'Partner API: p99 latency of 3 seconds or more, three 5-minute periods running',
      metric: httpApi.metricLatency({ statistic: 'p99', period }),
      threshold: 3000,
      evaluationPeriods: 3,
    });
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: 'Maximum', period: Duration.hours(1) });
    this.sesBounces = opsAlarm(this, 'SesBounceRate', {
      topic,
      runbook: runbookAnchors.sesBounces,
      summary: "SES: the account's bounce rate reached 4% (SES reviews the account at 5%)",
      metric: reputation('Reputation.BounceRate'),
      threshold: 0.04,
    });
    this.sesComplaints = opsAlarm(this, 'SesComplaintRate', {
      topic,
      runbook: runbookAnchors.sesComplaints,
      summary: "SES: the account's complaint rate reached 0.08% (SES reviews the account at 0.1%)",
      metric: reputation('Reputation.ComplaintRate'),
      threshold: 0.0008,
    });
  }
}
