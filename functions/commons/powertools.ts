import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per function, created at module scope so it is reused across invocations.
 * Log only ids, references, statuses and error names: never a request body, never `person`.
 */
export const logger = new Logger();
