/*
 * CPU time per part of the local stack, read from /proc: the benchmark process (the runner, the
 * HTTP front, the mappings, the counting proxies), each function's workers, and each emulator.
 * Unlike the wall-clock figures, CPU seconds hardly grow when other work shares the machine, so
 * they say which part does the work of a burst however loaded the machine is; and their sum over
 * the machine's cores is the least wall time the burst can take here.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const TicksPerSecond = 100;

interface ProcessStat {
  pid: number;
  ppid: number;
  /** utime + stime, in seconds. */
  cpu: number;
  /** cutime + cstime: what its children that ended used, in seconds. */
  children: number;
}

export type CpuSnapshot = Map<string, number>;

function stat(pid: number | 'self'): ProcessStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const number = (index: number): number => Number(fields[index]) / TicksPerSecond;
    return {
      pid: Number(text.slice(0, text.indexOf(' '))),
      ppid: Number(fields[1]),
      cpu: number(11) + number(12),
      children: number(13) + number(14),
    };
  } catch {
    return undefined;
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** What a descendant process is, for the table: a function by its asset directory, or an emulator. */
function labelOf(pid: number, functionByCodeDir: Map<string, string>): string {
  const commandLine = read(`/proc/${pid}/cmdline`).split('\0').join(' ');
  if (commandLine.includes('lambda-worker')) {
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = '';
    }
    return `function ${functionByCodeDir.get(cwd) ?? '?'}`;
  }
  if (commandLine.includes('DynamoDBLocal')) return 'emulator: DynamoDB Local';
  if (commandLine.includes('fauxqs')) return 'emulator: fauxqs (SQS)';
  if (commandLine.includes('aws-ses-v2-local')) return 'emulator: SES';
  return `other: ${commandLine.slice(0, 40)}`;
}

/** CPU seconds of this process's children that ended (a synth's `cdk` and everything it ran), so far. */
export const endedChildrenCpu = (): number => stat('self')?.children ?? 0;

/**
 * CPU seconds so far by part: this process, each live descendant by label, and the ended
 * children of all of them (a worker discarded during the burst counts there).
 */
export function cpuSnapshot(functionByCodeDir: Map<string, string>): CpuSnapshot {
  const self = stat('self');
  const all = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((entry) => entry !== undefined);
  const descendants = new Set<number>([self?.pid ?? process.pid]);
  // Parents come before children in pid order mostly, not always: loop until nothing is added.
  for (let added = true; added; ) {
    added = false;
    for (const entry of all) {
      if (!descendants.has(entry.pid) && descendants.has(entry.ppid)) {
        descendants.add(entry.pid);
        added = true;
      }
    }
  }
  const snapshot: CpuSnapshot = new Map([
    ['benchmark process (runner, HTTP front, mappings, proxies)', self?.cpu ?? 0],
    ['processes that ended (discarded workers, helpers)', self?.children ?? 0],
  ]);
  const add = (label: string, seconds: number): void => {
    snapshot.set(label, (snapshot.get(label) ?? 0) + seconds);
  };
  for (const entry of all) {
    if (entry.pid === self?.pid || !descendants.has(entry.pid)) continue;
    add(labelOf(entry.pid, functionByCodeDir), entry.cpu);
    add('processes that ended (discarded workers, helpers)', entry.children);
  }
  return snapshot;
}

/** CPU seconds used between two snapshots, by part, most first. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): Array<[string, number]> {
  return [...after.entries()]
    .map(([label, seconds]): [string, number] => [label, seconds - (before.get(label) ?? 0)])
    .filter(([, seconds]) => seconds > 0.005)
    .sort(([, a], [, b]) => b - a);
}
