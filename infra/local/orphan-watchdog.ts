import { type ChildProcess, spawn } from 'node:child_process';

const CheckEveryMs = 500;

/*
 * Runs in its own process: signals cannot reach a parent killed with SIGKILL (a test runner
 * giving up on a worker, an OOM kill), and the emulators are detached, so nothing else would
 * end them. It polls the parent and, once the parent is gone, kills every group it was given.
 */
const watchdogScript = `
const [parent, ...groups] = process.argv.slice(1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (error) { return error.code === 'EPERM'; } };
setInterval(() => {
  if (alive(parent)) return;
  for (const group of groups) { try { process.kill(-group, 'SIGKILL'); } catch {} }
  process.exit(0);
}, ${CheckEveryMs});
`;

/** Ends the given process groups when this process dies, however it dies; the answer ends the watch. */
export function endGroupsWithThisProcess(leaders: ChildProcess[]): () => void {
  const pids = leaders.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  const watchdog = spawn(process.execPath, ['-e', watchdogScript, String(process.pid), ...pids.map(String)], {
    // Its own group, so a Ctrl-C in the terminal reaches the stack (which stops cleanly) but not it.
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
}
