import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { InvokeResult } from './lambda-runtime.ts';

/** A share of invocations, 0 (never) to 1 (always). */
const share = z.number().min(0).max(1);
/** Keys are a function's logical id or name, `*` standing for any run of characters (`Mailer*`, `*`). */
const sharesByFunction = z.record(z.string().min(1).max(256), share);

/**
 * What `PUT /faults` on the control URL accepts. Off by default: a stack injects nothing until
 * told to, and `DELETE /faults` turns every fault off again.
 */
export const faultSettingsSchema = z.strictObject({
  /** The invocation fails without running the handler: no effect. */
  failBefore: sharesByFunction.default({}),
  /** The handler runs and its effect is done, then the invocation reports an error, as one timing out after its writes would. */
  failAfter: sharesByFunction.default({}),
  /** Every stream batch, queue batch and event-bus delivery to a target of these kinds is delivered a second time. */
  duplicate: z
    .strictObject({ streams: z.boolean().default(false), events: z.boolean().default(false), queues: z.boolean().default(false) })
    .default({ streams: false, events: false, queues: false }),
  /** The same seed draws the same sequence, so a run can be reproduced. */
  seed: z.number().int().min(0).max(0xffff_ffff).default(1),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export type DeliveryKind = keyof FaultSettings['duplicate'];
export type FailurePoint = 'failBefore' | 'failAfter';

/** Parses a `PUT /faults` body; throws a ZodError naming every wrong field. */
export function parseFaultSettings(body: unknown): FaultSettings {
  return faultSettingsSchema.parse(body);
}

/** Error types of injected failures, so that a reader of the console tells them from real ones. */
export const InjectedErrorTypes = { failBefore: 'Fault.InjectedBeforeEffect', failAfter: 'Fault.InjectedAfterEffect' } as const;

interface FunctionIdentity {
  logicalId: string;
  functionName: string;
}

interface Counts {
  failBefore: Record<string, number>;
  failAfter: Record<string, number>;
  duplicate: Record<DeliveryKind, number>;
}

const noCounts = (): Counts => ({ failBefore: {}, failAfter: {}, duplicate: { streams: 0, events: 0, queues: 0 } });

/**
 * The local stack's fault injection: decides, from seeded draws, which invocations fail and
 * whether a delivery is made twice, and counts every injection it makes.
 */
export class FaultInjector {
  private settings: FaultSettings | undefined;
  private random: () => number = mulberry32(1);
  private counts: Counts = noCounts();

  /** Replaces the settings and starts the counts and the draws afresh from the seed. */
  set(settings: FaultSettings): void {
    this.settings = settings;
    this.random = mulberry32(settings.seed);
    this.counts = noCounts();
  }

  /** Every fault off; the counts of what was injected stay readable until the next `set`. */
  clear(): void {
    this.settings = undefined;
  }

  get active(): boolean {
    return this.settings !== undefined;
  }

  describe(): unknown {
    const total = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, count) => sum + count, 0);
    return {
      active: this.active,
      settings: this.settings ?? null,
      injected: {
        ...this.counts,
        totals: {
          failBefore: total(this.counts.failBefore),
          failAfter: total(this.counts.failAfter),
          duplicate: total(this.counts.duplicate),
        },
      },
    };
  }

  /** Where, if anywhere, this invocation is to fail: one draw against the function's two shares. */
  decide(fn: FunctionIdentity): FailurePoint | undefined {
    if (this.settings === undefined) return undefined;
    const before = shareFor(this.settings.failBefore, fn);
    const after = shareFor(this.settings.failAfter, fn);
    if (before === 0 && after === 0) return undefined;
    const draw = this.random();
    if (draw < before) return 'failBefore';
    return draw < before + after ? 'failAfter' : undefined;
  }

  count(point: FailurePoint, fn: FunctionIdentity): void {
    this.counts[point][fn.functionName] = (this.counts[point][fn.functionName] ?? 0) + 1;
  }

  /** Whether a delivery of this kind is to be made a second time (counted when it is). */
  duplicates(kind: DeliveryKind): boolean {
    if (this.settings?.duplicate[kind] !== true) return false;
    this.counts.duplicate[kind] += 1;
    return true;
  }
}

/**
 * Runs an invocation under the injector's faults: failed before its effect (the handler never
 * runs), or after it (the handler ran and succeeded, its answer is replaced by an error).
 */
export async function invokeWithFaults(
  faults: FaultInjector | undefined,
  fn: FunctionIdentity,
  run: () => Promise<InvokeResult>
): Promise<InvokeResult> {
  const point = faults?.decide(fn);
  if (point === undefined) return run();
  if (point === 'failBefore') {
    faults?.count(point, fn);
    return injectedFailure(randomUUID(), point, 0);
  }
  const result = await run();
  // A handler that failed on its own has no effect to fail after; nothing is injected.
  if (result.outcome !== 'ok') return result;
  faults?.count(point, fn);
  const { payload: _dropped, ...rest } = result;
  return { ...rest, ...injectedFailure(result.requestId, point, result.durationMs) };
}

/** Makes a delivery, and makes it again when the injector duplicates deliveries of its kind; answers the last one. */
export async function deliverMaybeTwice<T>(faults: FaultInjector | undefined, kind: DeliveryKind, deliver: () => Promise<T>): Promise<T> {
  const first = await deliver();
  return faults?.duplicates(kind) === true ? deliver() : first;
}

function injectedFailure(requestId: string, point: FailurePoint, durationMs: number): InvokeResult {
  const errorMessage =
    point === 'failBefore' ? 'fault injected before the handler ran' : 'fault injected after the handler ran and its effect was done';
  return { requestId, outcome: 'error', error: { errorType: InjectedErrorTypes[point], errorMessage, stackTrace: [] }, durationMs };
}

/** The share of the first pattern, in the order given, that matches the function's logical id or name. */
function shareFor(shares: Record<string, number>, fn: FunctionIdentity): number {
  for (const [pattern, value] of Object.entries(shares)) {
    const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
    if (regex.test(fn.logicalId) || regex.test(fn.functionName)) return value;
  }
  return 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A small seeded generator (Mulberry32): uniform in [0, 1), the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
