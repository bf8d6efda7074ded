import { describe, expect, inject, it } from 'vitest';
import { runChaos } from '../chaos/chaos.ts';

/*
 * The chaos run (test/chaos/chaos.ts; `npm run chaos` runs 200 cases) at a size that fits the test
 * command: four cases, two TACT and two CARE, under failed invocations, doubled deliveries and a
 * restart of each emulator, then the books. A fixed seed keeps a failure reproducible with
 * `npm run chaos -- --cases 4 --concurrency 2 --seed 17017`.
 */
describe('the chaos run, small', () => {
  it('balances the books after faults, duplicates and restarts', { timeout: 1_200_000 }, async () => {
    const report = await runChaos({ cdkOutDir: inject('e2eCdkOut'), cases: 4, concurrency: 2, seed: 17_017, failShare: 0.1 });
    const summary = [...report.figures, ...report.checks.map((check) => `${check.name}: ${check.figures.join('; ')}`)].join('\n');
    expect(report.breaches, summary).toEqual([]);
    expect(report.checks.map((check) => check.name)).toHaveLength(6);
  });
});
