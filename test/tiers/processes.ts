import { ChildProcess } from 'child_process';

/**
 * Process hygiene shared by the cluster and component tiers: every server they start is stopped by its PID,
 * on success, on failure, on Ctrl-C / SIGTERM and on an uncaught exception.
 */

const alive = (c: ChildProcess) => c.pid !== undefined && c.exitCode === null && c.signalCode === null;

/**
 * Servers are spawned `detached`: each leads its own process group (group id = its PID), so a wrapper and what it
 * starts (runuser → postgres, the rabbitmq-server script → the Erlang VM) are signalled together.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals, orLeader = true): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    if (orLeader && alive(child)) {
      try { process.kill(child.pid!, signal); } catch { /* already gone */ }
    }
  }
}

/** Sends SIGTERM to `child`'s process group (by its PID), waits up to `graceMs`, then SIGKILL; resolves when it has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => { if (alive(child)) signalGroup(child, 'SIGKILL'); }, graceMs);
  await exited;
  clearTimeout(timer);
  // Whatever else is left in its group (a VM whose wrapper has exited) goes too.
  signalGroup(child, 'SIGKILL', false);
}

/**
 * Until `release()`, kills the processes `children()` returns when this process is interrupted or exits
 * (SIGKILL by PID: an exit handler cannot wait for a graceful stop), then runs `cleanup` (synchronous: remove
 * temporary directories).
 */
export function startProcessGuard(children: () => readonly ChildProcess[], cleanup: () => void = () => undefined): { release(): void } {
  const killAll = () => {
    for (const c of children()) if (c.pid !== undefined) signalGroup(c, 'SIGKILL');
    try { cleanup(); } catch { /* best effort on the way out */ }
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
