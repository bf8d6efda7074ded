import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchiveConfig } from './event-bus-config.ts';

export interface ArchivedEvent {
  /** When the bus accepted the event, epoch ms: what a replay's time window selects on. */
  ingestedAt: number;
  event: Record<string, unknown>;
}

export type ReplayState = 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ReplayRecord {
  ReplayName: string;
  ReplayArn: string;
  Description?: string;
  State: ReplayState;
  StateReason?: string;
  EventSourceArn: string;
  Destination: { Arn: string; FilterArns?: string[] };
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  EventStartTime: number;
  EventEndTime: number;
  EventLastReplayedTime?: number;
  ReplayStartTime: number;
  ReplayEndTime?: number;
}

const DayMs = 86_400_000;

/**
 * The archives' events and the replays, one JSON-lines file per archive and one file of replays,
 * under the stack's state directory so both survive a restart; in memory without one.
 */
export class ArchiveStore {
  private readonly memory = new Map<string, ArchivedEvent[]>();
  private readonly replays = new Map<string, ReplayRecord>();

  constructor(private readonly dir: string | undefined) {
    if (dir === undefined) return;
    mkdirSync(join(dir, 'archives'), { recursive: true });
    const file = join(dir, 'replays.json');
    if (!existsSync(file)) return;
    for (const replay of JSON.parse(readFileSync(file, 'utf8')) as ReplayRecord[]) {
      // A replay cut short by a stop does not resume: EventBridge would have finished it, so say it did not.
      const interrupted = replay.State === 'STARTING' || replay.State === 'RUNNING';
      this.replays.set(
        replay.ReplayName,
        interrupted ? { ...replay, State: 'FAILED', StateReason: 'The local stack stopped during the replay.' } : replay
      );
    }
  }

  record(archive: ArchiveConfig, archived: ArchivedEvent): void {
    if (this.dir === undefined) {
      const events = this.memory.get(archive.name) ?? [];
      events.push(archived);
      this.memory.set(archive.name, events);
      return;
    }
    appendFileSync(this.fileOf(archive), `${JSON.stringify(archived)}\n`);
  }

  /** The archive's events accepted in [from, to), oldest first, without those past retention. */
  events(archive: ArchiveConfig, fromMs: number, toMs: number, now: number): ArchivedEvent[] {
    const kept = archive.retentionDays > 0 ? now - archive.retentionDays * DayMs : Number.NEGATIVE_INFINITY;
    return this.all(archive).filter(({ ingestedAt }) => ingestedAt >= Math.max(fromMs, kept) && ingestedAt < toMs);
  }

  count(archive: ArchiveConfig): number {
    return this.all(archive).length;
  }

  replay(name: string): ReplayRecord | undefined {
    return this.replays.get(name);
  }

  listReplays(): ReplayRecord[] {
    return [...this.replays.values()];
  }

  saveReplay(replay: ReplayRecord): void {
    this.replays.set(replay.ReplayName, replay);
    if (this.dir !== undefined) writeFileSync(join(this.dir, 'replays.json'), `${JSON.stringify(this.listReplays(), null, 2)}\n`);
  }

  private all(archive: ArchiveConfig): ArchivedEvent[] {
    if (this.dir === undefined) return this.memory.get(archive.name) ?? [];
    const file = this.fileOf(archive);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ArchivedEvent);
  }

  private fileOf(archive: ArchiveConfig): string {
    return join(this.dir as string, 'archives', `${archive.name}.jsonl`);
  }
}
