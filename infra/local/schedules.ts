import { randomUUID } from 'node:crypto';
import type { InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import { resourcesOfType } from './resource-types.ts';
import { type CfnTemplate, isRecord, knownProperties, localAccountId, localRegion, type ResourceContext } from './template.ts';
import { StopSignal, shortId, sleep } from './timing.ts';

export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; fields: CronFields };

export interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  /** Undefined when the field is `?`. */
  daysOfMonth?: Set<number>;
  months: Set<number>;
  /** 1 = Sunday, as in EventBridge. Undefined when the field is `?`. */
  daysOfWeek?: Set<number>;
  years: Set<number>;
}

export interface RuleConfig {
  logicalId: string;
  name: string;
  arn: string;
  expression: string;
  schedule: Schedule;
  enabled: boolean;
  targets: Array<{ functionId: string; input?: unknown }>;
}

const RuleProperties = {
  used: ['Name', 'ScheduleExpression', 'State', 'Targets'],
  ignored: ['Description', 'EventBusName', 'RoleArn'],
};
const TargetProperties = new Set(['Arn', 'Id', 'Input', 'RetryPolicy']);
/** Lambda retries a failed asynchronous invocation twice, about a minute, then two, apart. */
const AsyncRetryDelaysMs = [60_000, 120_000];

/** `rate(5 minutes)`, `rate(1 hour)`, or a six-field EventBridge `cron(...)`, always UTC. */
export function parseScheduleExpression(expression: string, where: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate !== null) {
    const value = Number(rate[1]);
    const unit = rate[2] ?? '';
    if (value < 1 || (value === 1) !== !unit.endsWith('s')) {
      throw new Error(`${where}: ${expression} is not a valid rate (use "1 minute", "5 minutes", ...)`);
    }
    const unitMs = unit.startsWith('minute') ? 60_000 : unit.startsWith('hour') ? 3_600_000 : 86_400_000;
    return { kind: 'rate', everyMs: value * unitMs };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron === null) throw new Error(`${where}: schedule expression ${expression} is neither rate(...) nor cron(...)`);
  const parts = (cron[1] ?? '').trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(`${where}: ${expression} must have six fields (minutes hours day-of-month month day-of-week year)`);
  const [minutes, hours, dom, month, dow, year] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new Error(`${where}: ${expression} needs ? in exactly one of day-of-month and day-of-week`);
  const field = (text: string, min: number, max: number, names?: string[]): Set<number> =>
    cronField(text, min, max, `${where}: ${expression}`, names);
  return {
    kind: 'cron',
    fields: {
      minutes: field(minutes, 0, 59),
      hours: field(hours, 0, 23),
      ...(dom === '?' ? {} : { daysOfMonth: field(dom, 1, 31) }),
      months: field(month, 1, 12, ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']),
      ...(dow === '?' ? {} : { daysOfWeek: field(dow, 1, 7, ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']) }),
      years: field(year, 1970, 2199),
    },
  };
}

function cronField(text: string, min: number, max: number, where: string, names?: string[]): Set<number> {
  const values = new Set<number>();
  const value = (token: string): number => {
    const named = names?.indexOf(token.toUpperCase()) ?? -1;
    const number = named >= 0 ? named + min : Number(token);
    if (!Number.isInteger(number) || number < min || number > max) throw new Error(`${where}: ${token} is out of range ${min}-${max}`);
    return number;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const tokens = range.split('-').filter((token) => !(names ?? []).includes(token.toUpperCase()));
    if (part.includes('#') || tokens.some((token) => /[LW]/i.test(token))) {
      throw new Error(`${where}: the cron features L, W and # are not supported locally`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`${where}: step ${stepText} is not a positive integer`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') [from, to] = [min, max];
    else if (range.includes('-')) [from, to] = range.split('-').map(value) as [number, number];
    else [from, to] = [value(range), stepText === undefined ? value(range) : max];
    for (let current = from; current <= to; current += step) values.add(current);
  }
  return values;
}

/** The first minute strictly after `after` that the cron fields select, within five years. */
export function nextCronTime(fields: CronFields, after: Date): Date | undefined {
  const start = new Date(after.getTime());
  start.setUTCSeconds(0, 0);
  start.setUTCMinutes(start.getUTCMinutes() + 1);
  const day = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
  for (let i = 0; i < 366 * 5; i += 1, day.setUTCDate(day.getUTCDate() + 1)) {
    if (!fields.years.has(day.getUTCFullYear()) || !fields.months.has(day.getUTCMonth() + 1)) continue;
    if (fields.daysOfMonth !== undefined && !fields.daysOfMonth.has(day.getUTCDate())) continue;
    if (fields.daysOfWeek !== undefined && !fields.daysOfWeek.has(day.getUTCDay() + 1)) continue;
    for (const hour of [...fields.hours].sort((a, b) => a - b)) {
      for (const minute of [...fields.minutes].sort((a, b) => a - b)) {
        const candidate = new Date(day.getTime() + hour * 3_600_000 + minute * 60_000);
        if (candidate >= start) return candidate;
      }
    }
  }
  return undefined;
}

export function ruleArn(name: string): string {
  return `arn:aws:events:${localRegion}:${localAccountId}:rule/${name}`;
}

export function localRuleName(logicalId: string, properties: Record<string, unknown>, stackName: string): string {
  return typeof properties.Name === 'string' ? properties.Name : `${stackName}-${logicalId}`.slice(0, 64);
}

/** Scheduled rules targeting functions. Event-pattern rules are the bus's (event-bus-config.ts). */
export function readRules(
  template: CfnTemplate,
  ctx: ResourceContext,
  stackName: string,
  findFunction: (reference: string) => string | undefined
): RuleConfig[] {
  const scheduled = resourcesOfType(template, 'AWS::Events::Rule').filter(
    ([, resource]) => resource.Properties?.EventPattern === undefined
  );
  return scheduled.map(([logicalId, resource]) => {
    const at = `Resources.${logicalId}`;
    const raw = resource.Properties ?? {};
    const properties = knownProperties(raw, RuleProperties, ctx, { at, type: 'AWS::Events::Rule', stackName });
    const expression = String(properties.ScheduleExpression ?? '');
    if (expression === '') throw new Error(`${at}: a rule without ScheduleExpression is not supported locally`);
    const targets = (Array.isArray(properties.Targets) ? properties.Targets : []).map((target, i) => {
      const where = `${at}.Properties.Targets[${i}]`;
      if (!isRecord(target)) throw new Error(`${where}: not an object`);
      for (const name of Object.keys(target)) {
        if (!TargetProperties.has(name)) throw new Error(`${where}: unsupported target property ${name}`);
      }
      const functionId = findFunction(String(target.Arn));
      if (functionId === undefined) throw new Error(`${where}: ${String(target.Arn)} is not a function of the template`);
      const input = target.Input === undefined ? undefined : (JSON.parse(String(target.Input)) as unknown);
      return { functionId, ...(input === undefined ? {} : { input }) };
    });
    const name = localRuleName(logicalId, raw, stackName);
    return {
      logicalId,
      name,
      arn: ruleArn(name),
      expression,
      schedule: parseScheduleExpression(expression, `${at}.Properties.ScheduleExpression`),
      enabled: properties.State === undefined || String(properties.State).startsWith('ENABLED'),
      targets,
    };
  });
}

/** EventBridge's scheduled event. */
export function scheduledEvent(rule: RuleConfig, time: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: localAccountId,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: localRegion,
    resources: [rule.arn],
    detail: {},
  };
}

/**
 * Fires the template's scheduled rules on time, and on demand (`trigger`), invoking each target
 * asynchronously as EventBridge does: a failed invocation is retried twice, later.
 */
export class Scheduler {
  private readonly stop = new StopSignal();
  private readonly timers = new Set<NodeJS.Timeout>();
  private rules: RuleConfig[] = [];

  constructor(private readonly runtime: LambdaRuntime) {}

  start(rules: RuleConfig[]): void {
    this.rules = rules;
    for (const rule of rules) if (rule.enabled) this.scheduleNext(rule, new Date());
  }

  list(): RuleConfig[] {
    return this.rules;
  }

  /** Fires a rule now, by logical id (with or without CDK's hash) or name; resolves with the first attempt of each target. */
  async trigger(reference: string): Promise<InvokeResult[]> {
    const rule = this.rules.find(
      (candidate) => candidate.logicalId === reference || shortId(candidate.logicalId) === reference || candidate.name === reference
    );
    if (rule === undefined) throw new Error(`no scheduled rule ${reference} in the template`);
    return this.fire(rule, new Date(), 'on demand');
  }

  close(): void {
    this.stop.trigger();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleNext(rule: RuleConfig, after: Date): void {
    const next =
      rule.schedule.kind === 'rate' ? new Date(after.getTime() + rule.schedule.everyMs) : nextCronTime(rule.schedule.fields, after);
    if (next === undefined || this.stop.stopped) return;
    // setTimeout holds 32-bit delays: far-away fires are reached in steps.
    const delay = Math.min(next.getTime() - Date.now(), 2 ** 31 - 1);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (Date.now() < next.getTime()) {
          this.scheduleNext(rule, after);
          return;
        }
        // Nobody awaits a scheduled fire: an invocation cut short by a stop has nowhere to go.
        this.fire(rule, next, 'schedule').catch(() => undefined);
        this.scheduleNext(rule, next);
      },
      Math.max(0, delay)
    );
    timer.unref();
    this.timers.add(timer);
  }

  private async fire(rule: RuleConfig, time: Date, why: string): Promise<InvokeResult[]> {
    const event = scheduledEvent(rule, time);
    return Promise.all(
      rule.targets.map((target) =>
        invokeAsynchronously(this.runtime, target.functionId, target.input ?? event, `rule ${shortId(rule.logicalId)} (${why}`, this.stop)
      )
    );
  }
}

/**
 * An asynchronous invocation, as EventBridge makes one: the first attempt's result comes back, and
 * a failed one is retried twice, later, without anyone waiting. `trigger` is left open for the
 * closing parenthesis, after which the retry is named.
 */
export async function invokeAsynchronously(
  runtime: LambdaRuntime,
  functionId: string,
  event: unknown,
  trigger: string,
  stop: StopSignal
): Promise<InvokeResult> {
  const invoke = (attempt: number) =>
    runtime.invoke(functionId, event, { trigger: `${trigger}${attempt > 0 ? `, retry ${attempt}` : ''})` });
  const first = await invoke(0);
  if (first.outcome !== 'ok') retryAsynchronously(invoke, stop).catch(() => undefined);
  return first;
}

async function retryAsynchronously(invoke: (attempt: number) => Promise<InvokeResult>, stop: StopSignal): Promise<void> {
  for (const [i, delay] of AsyncRetryDelaysMs.entries()) {
    await sleep(delay, stop);
    if (stop.stopped) return;
    if ((await invoke(i + 1)).outcome === 'ok') return;
  }
}
