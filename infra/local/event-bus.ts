import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type ArchivedEvent, ArchiveStore, type ReplayRecord } from './event-bus-archive.ts';
import type { ArchiveConfig, EventBusConfig, EventRuleConfig, EventTarget } from './event-bus-config.ts';
import { matchesPattern } from './event-filter.ts';
import { targetPayload } from './events-input.ts';
import { deliverMaybeTwice, type FaultInjector } from './faults.ts';
import type { InvokeResult } from './lambda-runtime.ts';
import { localCredentials } from './provision.ts';
import { localAccountId, localRegion } from './template.ts';
import { StopSignal, shortId, sleep } from './timing.ts';

export interface EventBusDependencies {
  sqsEndpoint: string;
  /** An asynchronous invocation of a function target; absent where no functions run (the integration tests). */
  invoke?: (functionId: string, event: unknown, trigger: string, stop: StopSignal) => Promise<InvokeResult>;
  /** Archives and replays are kept under `<stateDir>/event-bus`; in memory without one. */
  stateDir?: string | undefined;
  warn: (message: string) => void;
  /** The first retry's delay of a failed delivery; each next one doubles, up to a minute. */
  retryBaseDelayMs: number;
  /** Deliveries to targets made twice, when faults are set (faults.ts). */
  faults?: FaultInjector;
}

/** What a rule did, by EventBridge's metric names; never an event's detail. */
export interface RuleActivity {
  matchedEvents: number;
  invocations: number;
  failedInvocations: number;
  /** The ids of the last events it delivered, newest last. */
  lastEventIds: string[];
}

const LastIdsKept = 5;
const MaxRetryDelayMs = 60_000;

/**
 * The event buses of the template: events put on a bus go to the targets of every enabled rule
 * whose pattern matches, in EventBridge's envelope, and into the bus's archives; a replay sends
 * archived events again to the rules it names.
 */
export class EventBus {
  private config: EventBusConfig = { buses: ['default'], rules: [], archives: [] };
  private stop = new StopSignal();
  private readonly activity = new Map<string, RuleActivity>();
  private readonly sqs: SQSClient;
  readonly archives: ArchiveStore;

  constructor(private readonly deps: EventBusDependencies) {
    this.sqs = new SQSClient({ region: localRegion, credentials: localCredentials, endpoint: deps.sqsEndpoint });
    this.archives = new ArchiveStore(deps.stateDir === undefined ? undefined : join(deps.stateDir, 'event-bus'));
  }

  /** Routes by a newly read template's rules from now on; what rules did so far stays. */
  use(config: EventBusConfig): void {
    this.stop.trigger();
    this.stop = new StopSignal();
    this.config = config;
  }

  get current(): EventBusConfig {
    return this.config;
  }

  hasBus(name: string): boolean {
    return this.config.buses.includes(name);
  }

  /** Accepts one event put on a bus: archives it, then delivers it without the caller waiting. */
  accept(busName: string, event: Record<string, unknown>): void {
    const archived: ArchivedEvent = { ingestedAt: Date.now(), event };
    for (const archive of this.config.archives) {
      if (archive.busName === busName && (archive.pattern === undefined || matchesPattern(archive.pattern, event))) {
        this.archives.record(archive, archived);
      }
    }
    const rules = this.config.rules.filter((rule) => rule.busName === busName);
    this.route(rules, event, archived.ingestedAt).catch((error: unknown) => this.deps.warn(`event ${String(event.id)}: ${String(error)}`));
  }

  /** Starts a replay, already validated and saved as STARTING; resolves when it has completed. */
  async replay(replay: ReplayRecord, archive: ArchiveConfig, rules: EventRuleConfig[]): Promise<void> {
    const stop = this.stop;
    const save = (changes: Partial<ReplayRecord>): void => {
      Object.assign(replay, changes);
      this.archives.saveReplay(replay);
    };
    save({ State: 'RUNNING' });
    const events = this.archives.events(archive, replay.EventStartTime * 1000, replay.EventEndTime * 1000, Date.now());
    for (const { event, ingestedAt } of events) {
      if (stop.stopped) {
        save({ State: 'FAILED', StateReason: 'The local stack reloaded or stopped during the replay.' });
        return;
      }
      await this.route(rules, { ...event, 'replay-name': replay.ReplayName }, ingestedAt);
      save({ EventLastReplayedTime: Math.floor(ingestedAt / 1000) });
    }
    save({ State: 'COMPLETED', ReplayEndTime: Date.now() / 1000 });
  }

  /** Each rule of the template with what it did. */
  describeRules() {
    return this.config.rules.map((rule) => ({
      logicalId: rule.logicalId,
      name: rule.name,
      bus: rule.busName,
      state: rule.state,
      pattern: rule.patternText,
      targets: rule.targets.map((target) => target.arn),
      ...this.activityOf(rule),
    }));
  }

  describeArchives() {
    return this.config.archives.map((archive) => ({
      name: archive.name,
      bus: archive.busName,
      retentionDays: archive.retentionDays,
      eventCount: this.archives.count(archive),
    }));
  }

  close(): void {
    this.stop.trigger();
    this.sqs.destroy();
  }

  private async route(rules: EventRuleConfig[], event: Record<string, unknown>, ingestedAt: number): Promise<void> {
    const matching = rules.filter((rule) => rule.state === 'ENABLED' && matchesPattern(rule.pattern, event));
    await Promise.all(
      matching.map((rule) => {
        this.activityOf(rule).matchedEvents += 1;
        return Promise.all(rule.targets.map((target) => this.deliver(rule, target, event, ingestedAt)));
      })
    );
  }

  private activityOf(rule: EventRuleConfig): RuleActivity {
    let activity = this.activity.get(rule.arn);
    if (activity === undefined) {
      activity = { matchedEvents: 0, invocations: 0, failedInvocations: 0, lastEventIds: [] };
      this.activity.set(rule.arn, activity);
    }
    return activity;
  }

  /**
   * Delivers to one target, retrying a failed delivery with growing delays within the target's
   * RetryPolicy, then giving it to the target's dead-letter queue. For a function, the delivery is
   * the asynchronous invocation: Lambda retries the function's own errors (schedules.ts).
   */
  private async deliver(rule: EventRuleConfig, target: EventTarget, event: Record<string, unknown>, ingestedAt: number): Promise<void> {
    const stop = this.stop;
    const activity = this.activityOf(rule);
    const payload = targetPayload(target.input, event, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: new Date(ingestedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const deadline = ingestedAt + target.maximumEventAgeSeconds * 1000;
    let lastError: unknown;
    for (let attempt = 0; attempt <= target.maximumRetryAttempts && !stop.stopped; attempt += 1) {
      if (attempt > 0) {
        const delay = Math.min(this.deps.retryBaseDelayMs * 2 ** (attempt - 1), MaxRetryDelayMs);
        if (Date.now() + delay > deadline) break;
        await sleep(delay, stop);
        if (stop.stopped) return;
      }
      try {
        await deliverMaybeTwice(this.deps.faults, 'events', () => this.send(rule, target, payload, String(event.id), stop));
        activity.invocations += 1;
        activity.lastEventIds = [...activity.lastEventIds, String(event.id)].slice(-LastIdsKept);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (stop.stopped) return;
    activity.failedInvocations += 1;
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    this.deps.warn(`rule ${shortId(rule.logicalId)}: event ${String(event.id)} not delivered to ${target.id}: ${reason}`);
    if (target.deadLetterQueueUrl !== undefined) await this.deadLetter(rule, target, payload, reason);
  }

  private async send(rule: EventRuleConfig, target: EventTarget, payload: string, eventId: string, stop: StopSignal): Promise<void> {
    if (target.kind === 'sqs') {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.queueUrl,
          MessageBody: payload,
          // EventBridge deduplicates FIFO targets on the event id.
          ...(target.messageGroupId === undefined ? {} : { MessageGroupId: target.messageGroupId, MessageDeduplicationId: eventId }),
        })
      );
      return;
    }
    if (this.deps.invoke === undefined) throw new Error('no functions run beside this bus');
    await this.deps.invoke(target.functionId, parsedPayload(payload), `rule ${shortId(rule.logicalId)} (event ${eventId}`, stop);
  }

  /** As EventBridge does: the payload, and why, in message attributes. */
  private async deadLetter(rule: EventRuleConfig, target: EventTarget, payload: string, reason: string): Promise<void> {
    const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: target.deadLetterQueueUrl,
          MessageBody: payload,
          MessageAttributes: {
            RULE_ARN: attribute(rule.arn),
            TARGET_ARN: attribute(target.arn),
            ERROR_CODE: attribute('SDK_CLIENT_ERROR'),
            ERROR_MESSAGE: attribute(reason.slice(0, 256)),
          },
        })
      );
    } catch (error) {
      this.deps.warn(`rule ${shortId(rule.logicalId)}: dead-letter queue of ${target.id} unreachable: ${(error as Error).message}`);
    }
  }
}

/** A function receives JSON; an input template that makes plain text gives it that text as a string. */
function parsedPayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

/** EventBridge's envelope of a put event. */
export function envelope(entry: {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  time: Date;
  resources: string[];
}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.detailType,
    source: entry.source,
    account: localAccountId,
    time: entry.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: localRegion,
    resources: entry.resources,
    detail: entry.detail,
  };
}
