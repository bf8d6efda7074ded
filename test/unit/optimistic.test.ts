import { describe, expect, it } from 'vitest';
import { lostRace, optimistically } from '../../functions/commons/optimistic.ts';

class Exhausted extends Error {}

describe('optimistically', () => {
  it('answers what the first step that does not lose its race answers', async () => {
    // Given a step that loses two races, then wins
    const seen: number[] = [];
    const step = async (attempt: number) => {
      seen.push(attempt);
      return attempt < 3 ? lostRace : `won on ${attempt}`;
    };

    // When it runs with three attempts
    const outcome = await optimistically(step, { attempts: 3, exhausted: () => new Exhausted() });

    // Then it was taken three times and its answer is the loop's
    expect(outcome).toBe('won on 3');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('throws what `exhausted` names once every attempt lost, and takes the step no more', async () => {
    let taken = 0;
    const waits: number[] = [];
    const run = optimistically(
      async () => {
        taken += 1;
        return lostRace;
      },
      {
        attempts: 4,
        exhausted: () => new Exhausted('gave up'),
        backOff: async (lostRaces) => {
          waits.push(lostRaces);
        },
      }
    );

    await expect(run).rejects.toBeInstanceOf(Exhausted);
    expect(taken).toBe(4);
    // No wait after the last attempt: the caller hears of the failure at once.
    expect(waits).toEqual([1, 2, 3]);
  });

  it('never retries a step that throws', async () => {
    let taken = 0;
    const run = optimistically(
      async () => {
        taken += 1;
        throw new RangeError('refused');
      },
      { attempts: 3, exhausted: () => new Exhausted() }
    );

    await expect(run).rejects.toBeInstanceOf(RangeError);
    expect(taken).toBe(1);
  });
});
