import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a mapping stands in one shard: after this sequence number, or at its start when null. */
export interface ShardCheckpoint {
  after: string | null;
  /** The shard is closed and everything in it was handled. */
  finished?: boolean;
}

interface MappingCheckpoints {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/**
 * The position of every stream mapping, as Lambda keeps it for an event source mapping. Kept in a
 * file under `.local/` when the data is, so a restart resumes where it stopped instead of
 * replaying the stream (TRIM_HORIZON) or skipping what was written meanwhile (LATEST).
 */
export class CheckpointStore {
  private readonly state: Record<string, MappingCheckpoints>;

  constructor(private readonly path?: string) {
    this.state =
      path !== undefined && existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, MappingCheckpoints>) : {};
  }

  /** Checkpoints of a mapping; forgotten when its stream changed (the table was recreated). */
  shards(mappingId: string, streamArn: string): Record<string, ShardCheckpoint> {
    const current = this.state[mappingId];
    if (current?.streamArn === streamArn) return current.shards;
    const fresh = { streamArn, shards: {} };
    this.state[mappingId] = fresh;
    return fresh.shards;
  }

  save(mappingId: string, streamArn: string, shardId: string, checkpoint: ShardCheckpoint): void {
    this.shards(mappingId, streamArn)[shardId] = checkpoint;
    if (this.path === undefined) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.path);
  }
}
