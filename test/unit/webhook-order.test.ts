import { describe, expect, it } from 'vitest';
import { heldBehind, heldDelaySeconds, holderOverdue, orderPositionOf, overdueAfterSeconds } from '../../functions/domain/webhook-order.ts';
import { maxQueueDelaySeconds } from '../../functions/domain/webhook-schedule.ts';

const eventA = 'a'.repeat(64);
const eventB = 'b'.repeat(64);

describe("the order of an endpoint's deliveries about one case", () => {
  it('places deliveries by their change in the stream, as numbers, whatever the digits', () => {
    // DynamoDB's sequence numbers grow in length: as plain strings "9" would sort after "10".
    expect(orderPositionOf('9', eventB) < orderPositionOf('10', eventA)).toBe(true);
    expect(orderPositionOf('000000000000000000099', eventA) < orderPositionOf('100000000000000000000', eventA)).toBe(true);
    expect(orderPositionOf('1'.repeat(40), eventA) > orderPositionOf('9'.repeat(39), eventA)).toBe(true);
    // Two events of one change are ordered by their ids, the same way every time.
    expect(orderPositionOf('42', eventA) < orderPositionOf('42', eventB)).toBe(true);
    expect(orderPositionOf('42', eventA)).toBe(orderPositionOf('42', eventA));
  });

  it('holds a delivery while an earlier one is pending, and only then', () => {
    const accepted = orderPositionOf('100', eventA);
    const departed = orderPositionOf('101', eventB);
    expect(heldBehind(departed, { position: accepted })).toBe(true);
    expect(heldBehind(accepted, { position: accepted })).toBe(false);
    expect(heldBehind(accepted, { position: departed })).toBe(false);
    expect(heldBehind(departed, undefined)).toBe(false);
  });

  it("waits for the holder's next attempt when it is retrying, a second when its attempt is under way, and never past SQS's limit", () => {
    const now = new Date('2027-03-01T00:00:00.000Z');
    expect(heldDelaySeconds('2027-03-01T00:01:00.000Z', now)).toBe(60);
    expect(heldDelaySeconds('2027-03-01T00:00:00.200Z', now)).toBe(1);
    expect(heldDelaySeconds('2027-02-28T23:59:00.000Z', now)).toBe(1);
    expect(heldDelaySeconds(undefined, now)).toBe(1);
    expect(heldDelaySeconds('2027-03-01T05:00:00.000Z', now)).toBe(maxQueueDelaySeconds);
  });

  it('takes a holder whose attempt is long past due for lost, not one merely slow or waiting behind a busy queue', () => {
    const now = new Date('2027-03-01T01:00:00.000Z');
    expect(overdueAfterSeconds).toBeGreaterThan(6 * 60);
    expect(holderOverdue(new Date(now.getTime() - overdueAfterSeconds * 1000 - 1000).toISOString(), now)).toBe(true);
    expect(holderOverdue(new Date(now.getTime() - overdueAfterSeconds * 1000).toISOString(), now)).toBe(false);
    expect(holderOverdue('2027-03-01T00:59:00.000Z', now)).toBe(false);
    expect(holderOverdue(undefined, now)).toBe(false);
  });
});
