import { maxQueueDelaySeconds } from './webhook-schedule.ts';

/**
 * The order of the deliveries to one endpoint about one case (README "Webhooks for integrators"):
 * strict, by where the change behind each event stands in the cases table's stream. A case and its
 * payments share one partition of that table, so their changes are stream records of one lineage,
 * whose sequence numbers grow in the order the changes were made (events/domain-events.ts
 * `sequence`). A delivery is attempted only when no delivery before it in that order is still
 * pending; one that is retrying holds the later ones until it is delivered or has failed.
 */

/** DynamoDB stream sequence numbers have 21 to 40 digits: padded, they compare as strings. */
const sequenceDigits = 40;

/**
 * A delivery's place among its endpoint's deliveries about its case: the change's sequence number,
 * then the event id, which orders two events of one change the same way every time.
 */
export const orderPositionOf = (sequence: string, eventId: string): string => `${sequence.padStart(sequenceDigits, '0')}.${eventId}`;

/** Whether the delivery at `position` waits: the earliest pending delivery of its endpoint and case stands before it. */
export const heldBehind = (position: string, earliestPending: { position: string } | undefined): boolean =>
  earliestPending !== undefined && earliestPending.position < position;

/**
 * How long a held delivery waits before it looks again: until the next attempt of the delivery
 * holding it when that is later (a retry's delay), else a second (its attempt is under way); never
 * more than SQS delays one message.
 */
export const heldDelaySeconds = (holderNextAttemptAt: string | undefined, now: Date): number => {
  const untilHolder = holderNextAttemptAt === undefined ? 0 : Math.ceil((Date.parse(holderNextAttemptAt) - now.getTime()) / 1000);
  return Math.min(maxQueueDelaySeconds, Math.max(1, untilHolder));
};

/**
 * Past its due time by more than this, a pending attempt counts as lost: longer than its message
 * can be in flight (the worker's visibility timeout is six minutes, infra/constructs/partner-webhooks.ts)
 * or waiting behind a busy queue.
 */
export const overdueAfterSeconds = 15 * 60;

/**
 * Whether the delivery holding a line is overdue: its attempt was due so long ago that its message
 * is lost or parked (a dead-letter queue), which would hold the line for good. Its attempt is then
 * queued again (at least once: if the message was only slow, the receiver sees the same
 * `webhook-id` twice).
 */
export const holderOverdue = (holderNextAttemptAt: string | undefined, now: Date): boolean =>
  holderNextAttemptAt !== undefined && now.getTime() - Date.parse(holderNextAttemptAt) > overdueAfterSeconds * 1000;
