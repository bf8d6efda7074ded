import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import { type BusinessFigure, type BusinessMetricName, type WebhookDeliveryOutcome, webhookDeliveryFigure } from '#domain/business-metrics';

/**
 * One logger per function, created at module scope so it is reused across invocations.
 * Log only ids, references, statuses and error names: never a request body, never `person`.
 */
export const logger = new Logger();

/**
 * X-Ray traces of every invocation and of every AWS SDK call (adapters wrap their clients with
 * `tracer.captureAWSv3Client`). Responses and errors stay out of the trace: either can carry
 * personal data. Off where there is no X-Ray daemon (POWERTOOLS_TRACE_ENABLED=false, set by the
 * local stack in infra/local/lambda-environment.ts; outside Lambda it is off by itself).
 */
export const tracer = new Tracer();

/**
 * The metrics logger: Metrics warns on every invocation that recorded no figure (most reads),
 * which is expected here and would be one useless log line per request; every other warning stays.
 */
const metricsLogger = {
  debug: (message: string, ...rest: unknown[]) => logger.debug(message, ...(rest as [])),
  info: (message: string, ...rest: unknown[]) => logger.info(message, ...(rest as [])),
  error: (message: string, ...rest: unknown[]) => logger.error(message, ...(rest as [])),
  warn: (message: string, ...rest: unknown[]) =>
    message.startsWith('No application metrics') ? logger.debug(message) : logger.warn(message, ...(rest as [])),
};

/**
 * CloudWatch metrics in the embedded metric format: namespace TRM, the function's service name
 * (POWERTOOLS_SERVICE_NAME, infra/constructs/house-function.ts) and the stage as default dimensions.
 */
export const metrics = new Metrics({
  namespace: 'TRM',
  logger: metricsLogger,
  // The stage too: two stages in one account share the namespace and the service names.
  ...(process.env.STAGE === undefined ? {} : { defaultDimensions: { stage: process.env.STAGE } }),
});

/**
 * The middlewares every handler starts with, in this order: the trace covers the whole invocation,
 * the logger carries the request id, and the figures recorded are flushed when the handler ends
 * (also when it fails). Responses and errors are not put on the trace: they could hold personal data.
 */
export const observed = (): MiddlewareObj[] => [
  captureLambdaHandler(tracer, { captureResponse: false }),
  injectLambdaContext(logger, { resetKeys: true }),
  logMetrics(metrics, { captureColdStartMetric: true }),
];

/**
 * Records business figures. Each figure is its own EMF entry because its dimensions are its own
 * (a decision's outcome, a payment's status); the dimension values come typed from
 * functions/domain/business-metrics.ts, which admits only codes from closed lists, never an id.
 */
export const recordFigures = (figures: readonly BusinessFigure[]): void => {
  for (const figure of figures) {
    const single = metrics.singleMetric();
    for (const [name, value] of Object.entries(figure.dimensions)) if (value !== undefined) single.addDimension(name, value);
    single.addMetric(figure.name, MetricUnit.Count, 1);
  }
};

/** One figure with no dimension beyond the function's service. */
export const countFigure = (name: BusinessMetricName): void => {
  metrics.addMetric(name, MetricUnit.Count, 1);
};

/** For the webhook sender: one delivery attempt's outcome, counted as `WebhookDeliveries` by outcome. */
export const recordWebhookDelivery = (outcome: WebhookDeliveryOutcome): void => recordFigures([webhookDeliveryFigure(outcome)]);
