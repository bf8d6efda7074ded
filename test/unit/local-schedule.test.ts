import { describe, expect, it } from 'vitest';
import { type CronFields, nextCronTime, parseScheduleExpression } from '../../infra/local/schedules.ts';

const cron = (expression: string): CronFields => {
  const schedule = parseScheduleExpression(expression, 'test');
  if (schedule.kind !== 'cron') throw new Error('not a cron schedule');
  return schedule.fields;
};
const next = (expression: string, after: string) => nextCronTime(cron(expression), new Date(after))?.toISOString();

describe('rate expressions', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(12 hours)', 43_200_000],
    ['rate(1 day)', 86_400_000],
  ])('%s fires every %i ms', (expression, everyMs) => {
    expect(parseScheduleExpression(expression, 'test')).toEqual({ kind: 'rate', everyMs });
  });

  it.each(['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(1 week)'])('refuses %s as EventBridge does', (expression) => {
    expect(() => parseScheduleExpression(expression, 'Resources.Rule')).toThrow(/^Resources\.Rule: /);
  });
});

describe('cron expressions (six fields, UTC)', () => {
  it('fire at the next matching minute, never at the same one', () => {
    expect(next('cron(0 2 * * ? *)', '2026-03-01T01:59:30Z')).toBe('2026-03-01T02:00:00.000Z');
    expect(next('cron(0 2 * * ? *)', '2026-03-01T02:00:00Z')).toBe('2026-03-02T02:00:00.000Z');
    expect(next('cron(0/15 * * * ? *)', '2026-03-01T10:16:00Z')).toBe('2026-03-01T10:30:00.000Z');
  });

  it('count days of the week from Sunday = 1, and take names', () => {
    // 2026-03-01 is a Sunday.
    expect(next('cron(0 9 ? * 2 *)', '2026-03-01T12:00:00Z')).toBe('2026-03-02T09:00:00.000Z');
    expect(next('cron(0 9 ? * MON-FRI *)', '2026-03-06T10:00:00Z')).toBe('2026-03-09T09:00:00.000Z');
    expect(next('cron(30 8 1 JAN,JUL ? *)', '2026-03-01T00:00:00Z')).toBe('2026-07-01T08:30:00.000Z');
  });

  it('stop after the last year of the expression', () => {
    expect(next('cron(0 0 1 1 ? 2026)', '2026-06-01T00:00:00Z')).toBeUndefined();
  });

  it.each([
    ['cron(0 2 * *)', /six fields/],
    ['cron(0 2 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 25 * * ? *)', /25 is out of range 0-23/],
    ['cron(0 2 ? * 6#3 *)', /L, W and # are not supported/],
    ['every day', /neither rate\(\.\.\.\) nor cron\(\.\.\.\)/],
  ])('refuses %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression, 'test')).toThrow(message);
  });
});
