import { ProblemError } from './problem.ts';

/**
 * 409 for a route that needs personal data the case no longer has (README, "Personal data"): the
 * erasure is final, so retrying does not help; the case itself still answers without it.
 */
export const personalDataErased = (detail: string): ProblemError =>
  new ProblemError({ type: 'personal-data-erased', title: 'The personal data of this case was erased', status: 409, detail });
