import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startProcessGuard, stopProcess } from '../tiers/processes';

/** Child-process helpers of the component tier: bounded commands, tracked servers, temporary directories. */

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Non-root user the servers run as when this process is root (PostgreSQL refuses to run as root). `nobody` exists on
 * every Debian system; its files live in directories chowned to it.
 */
export const UNPRIVILEGED = process.getuid?.() === 0 ? { user: 'nobody', uid: 65534, gid: 65534 } : undefined;

/** `command args`, as the unprivileged user when root. */
export function asUser(command: string, args: readonly string[]): [string, string[]] {
  return UNPRIVILEGED ? ['runuser', ['-u', UNPRIVILEGED.user, '--', command, ...args]] : [command, [...args]];
}

/** Runs a command to completion with a time limit (killed after `timeoutMs`). */
export function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): RunResult {
  const res = spawnSync(command, args, {
    input: options.input, env: options.env ?? process.env, cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL',
  });
  if (res.error && (res.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw res.error;
  const timedOut = res.signal === 'SIGKILL';
  return { code: res.status, stdout: res.stdout ?? '', stderr: `${res.stderr ?? ''}${timedOut ? `\n(killed after ${options.timeoutMs ?? 30_000} ms)` : ''}` };
}

/** True when `command` is on PATH (or is an existing absolute path). */
export function have(command: string): boolean {
  if (path.isAbsolute(command)) return fs.existsSync(command);
  return spawnSync('sh', ['-c', `command -v "${command}"`], { encoding: 'utf8' }).status === 0;
}

/** Servers started by this process; all of them are stopped by PID in `stopAll` and on interruption. */
const servers: ChildProcess[] = [];
/** Temporary directories made by `tempDir`, removed on interruption if their check did not remove them. */
const tempDirs: string[] = [];
const guard = startProcessGuard(() => servers, () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a long-running server; its output goes to `logFile`. */
export function startServer(command: string, args: readonly string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  // detached: its own process group, stopped as a group (test/tiers/processes.ts).
  const child = spawn(command, [...args], { stdio: ['ignore', log, log], env: env ?? process.env, detached: true });
  fs.closeSync(log);
  servers.push(child);
  return child;
}

export async function stopServer(child: ChildProcess, graceMs?: number): Promise<void> {
  await stopProcess(child, graceMs);
}

export async function stopAll(): Promise<void> {
  for (const child of [...servers].reverse()) await stopProcess(child);
  guard.release();
}

/** A temporary directory, owned by the unprivileged user when root; remove it with `fs.rmSync`. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `components-${prefix}-`));
  tempDirs.push(dir);
  chownUnprivileged(dir);
  return dir;
}

export function chownUnprivileged(p: string): void {
  if (UNPRIVILEGED) fs.chownSync(p, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
}

/** Writes a file (making its directory) owned by the unprivileged user. */
export function writeOwned(file: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let dir = path.dirname(file);
  // Own every directory up to the temporary root, so the unprivileged user can traverse them.
  while (dir.includes('components-') && dir !== path.dirname(dir)) {
    chownUnprivileged(dir);
    dir = path.dirname(dir);
  }
  fs.writeFileSync(file, text, { mode });
  chownUnprivileged(file);
}

/** Polls `ready` every 100 ms until it returns true or `timeoutMs` passes; `alive` guards against a crashed server. */
export async function waitFor(what: string, ready: () => boolean, child: ChildProcess, logFile: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) during start-up:\n${tail(logFile)}`);
    if (ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
