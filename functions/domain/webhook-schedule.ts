/**
 * When a webhook delivery is tried again, and when an endpoint gives up (README "Webhooks for
 * integrators"). The delays come from the stage's settings (infra/config.ts `webhooks`), so the
 * tests run the same rules in seconds.
 */
export interface WebhookSchedule {
  /** The delay before each retry: the first retry after the first delay, and so on. */
  retryDelaysSeconds: readonly number[];
  /** An endpoint that has failed every attempt for this long is disabled. */
  disableAfterSeconds: number;
}

/** After a failed attempt (`attempts` made so far, this one included): when to try again, or undefined when none is left. */
export const nextAttemptAfter = (schedule: WebhookSchedule, attempts: number, now: Date): Date | undefined => {
  const delay = schedule.retryDelaysSeconds[attempts - 1];
  return delay === undefined ? undefined : new Date(now.getTime() + delay * 1000);
};

/** Whether an endpoint failing since `failingSince` (its first failure after its last success) has failed long enough. */
export const shouldDisable = (schedule: WebhookSchedule, failingSince: string, now: Date): boolean =>
  now.getTime() - Date.parse(failingSince) >= schedule.disableAfterSeconds * 1000;

/** SQS holds a message back 15 minutes at most: longer delays are waited out in steps (the delivery worker). */
export const maxQueueDelaySeconds = 900;

export const queueDelaySeconds = (due: Date, now: Date): number =>
  Math.max(0, Math.min(maxQueueDelaySeconds, Math.ceil((due.getTime() - now.getTime()) / 1000)));
