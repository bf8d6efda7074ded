/**
 * The one optimistic-concurrency loop of the code base. A step reads what it needs, decides, and
 * writes conditioned on what it read; when the conditional write loses a race the step answers
 * `lostRace` and is taken again on fresh data, at most `attempts` times. Then `exhausted` names
 * the failure: a 409 with `Retry-After` at the HTTP boundary, an error that makes a queue or
 * stream consumer's record be redelivered elsewhere.
 *
 * Everything else a step answers ends the loop, so a step that finds nothing to do, or a refusal
 * it throws, is never retried.
 *
 * It is also the code base's one loop for a write that must outlast a short outage, after an effect
 * that cannot be undone (the mailer's record of an email SES accepted): the step answers `lostRace`
 * when the write failed, and `backOff` spaces the attempts.
 */
export const lostRace: unique symbol = Symbol('lost race');
export type LostRace = typeof lostRace;

export interface OptimisticOptions {
  /** How many times the step is taken before giving up (at least 1). */
  attempts: number;
  /** The error thrown once every attempt lost its race. */
  exhausted: () => Error;
  /**
   * Waits before attempt `n + 1` after `n` lost races. None by default: a request retried at once
   * on fresh data mostly wins. Contended counters pass `fullJitter`, so that concurrent writers
   * spread out instead of colliding again.
   */
  backOff?: (lostRaces: number) => Promise<void>;
}

export async function optimistically<T>(
  step: (attempt: number) => Promise<T | LostRace>,
  { attempts, exhausted, backOff }: OptimisticOptions
): Promise<T> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const outcome = await step(attempt);
    if (outcome !== lostRace) return outcome;
    if (backOff !== undefined && attempt < attempts) await backOff(attempt);
  }
  throw exhausted();
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"), capped at one second. */
export function fullJitter(lostRaces: number): Promise<void> {
  const ceilingMs = Math.min(1_000, 20 * 2 ** lostRaces);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}
