import { ChildProcess } from 'child_process';

/**
 * Process hygiene shared by the cluster and component tiers: every server they start is stopped by its PID,
 * on success, on failure, on Ctrl-C / SIGTERM and on an uncaught exception.
 */

const alive = (c: ChildProcess) => c.pid !== undefined && c.exitCode === null && c.signalCode === null;

/** Sends SIGTERM to `child` (by PID), waits up to `graceMs`, then SIGKILL; resolves when it has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => { if (alive(child)) process.kill(child.pid!, 'SIGKILL'); }, graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Until `release()`, kills the processes `children()` returns when this process is interrupted or exits
 * (SIGKILL by PID: an exit handler cannot wait for a graceful stop).
 */
export function startProcessGuard(children: () => readonly ChildProcess[]): { release(): void } {
  const killAll = () => {
    for (const c of children()) {
      if (alive(c)) {
        try { process.kill(c.pid!, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    process.stderr.write(`\ninterrupted (${signal}): stopped the servers this run started\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAll);
  return {
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('exit', killAll);
    },
  };
}
