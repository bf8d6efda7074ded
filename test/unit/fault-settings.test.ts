import { describe, expect, it } from 'vitest';
import { FaultInjector, parseFaultSettings } from '../../infra/local/faults.ts';

/** The local stack's fault settings (PUT /faults on the control URL) and the injector's draws. */
describe('fault settings', () => {
  it('default to nothing injected', () => {
    expect(parseFaultSettings({})).toEqual({
      failBefore: {},
      failAfter: {},
      duplicate: { streams: false, events: false, queues: false },
      seed: 1,
    });
  });

  it('take shares per function pattern, delivery kinds and a seed', () => {
    const settings = parseFaultSettings({ failBefore: { '*': 0.05 }, failAfter: { Mailer: 1 }, duplicate: { events: true }, seed: 42 });
    expect(settings).toMatchObject({ failBefore: { '*': 0.05 }, failAfter: { Mailer: 1 }, seed: 42 });
    expect(settings.duplicate).toEqual({ streams: false, events: true, queues: false });
  });

  it.each([
    ['a share above 1', { failBefore: { '*': 1.1 } }],
    ['a negative share', { failAfter: { '*': -0.1 } }],
    ['an empty pattern', { failBefore: { '': 0.5 } }],
    ['an unknown delivery kind', { duplicate: { webhooks: true } }],
    ['an unknown field', { failEverything: true }],
    ['a fractional seed', { seed: 1.5 }],
    ['not an object', [1, 2]],
  ])('refuse %s', (_, body) => {
    expect(() => parseFaultSettings(body)).toThrow();
  });
});

describe('the injector', () => {
  const fn = { logicalId: 'StakeholderNotificationsMailerAB12CD34', functionName: 'trm-mailer' };

  it('decides nothing when off, and only for matching functions when on', () => {
    const faults = new FaultInjector();
    expect(faults.decide(fn)).toBeUndefined();
    faults.set(parseFaultSettings({ failBefore: { 'Other*': 1 } }));
    expect(faults.decide(fn)).toBeUndefined();
    faults.set(parseFaultSettings({ failBefore: { 'Stakeholder*': 1 } }));
    expect(faults.decide(fn)).toBe('failBefore');
    faults.set(parseFaultSettings({ failAfter: { 'trm-mail*': 1 } }));
    expect(faults.decide(fn)).toBe('failAfter');
  });

  it('takes the first pattern that matches, in the order given', () => {
    const faults = new FaultInjector();
    faults.set(parseFaultSettings({ failBefore: { 'trm-*': 0, '*': 1 } }));
    expect(faults.decide(fn)).toBeUndefined();
  });

  it('draws the same sequence from the same seed, near the shares asked for', () => {
    const draws = (seed: number) => {
      const faults = new FaultInjector();
      faults.set(parseFaultSettings({ failBefore: { '*': 0.05 }, failAfter: { '*': 0.05 }, seed }));
      return Array.from({ length: 10_000 }, () => faults.decide(fn) ?? 'ok');
    };
    const first = draws(42);
    expect(draws(42)).toEqual(first);
    expect(draws(43)).not.toEqual(first);
    const share = (point: string) => first.filter((decision) => decision === point).length / first.length;
    expect(share('failBefore')).toBeGreaterThan(0.04);
    expect(share('failBefore')).toBeLessThan(0.06);
    expect(share('failAfter')).toBeGreaterThan(0.04);
    expect(share('failAfter')).toBeLessThan(0.06);
  });

  it('counts each duplicated delivery by kind, and only the kinds switched on', () => {
    const faults = new FaultInjector();
    expect(faults.duplicates('streams')).toBe(false);
    faults.set(parseFaultSettings({ duplicate: { streams: true, queues: true } }));
    expect([faults.duplicates('streams'), faults.duplicates('streams'), faults.duplicates('events'), faults.duplicates('queues')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(faults.describe()).toMatchObject({ injected: { duplicate: { streams: 2, events: 0, queues: 1 }, totals: { duplicate: 3 } } });
  });
});
