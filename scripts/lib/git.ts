import { execFileSync } from 'node:child_process';

/** Where git runs: a directory inside the repository and the environment handed to the child process. */
export interface GitContext {
  cwd: string;
  /** Defaults to `process.env`; passed explicitly so callers (and tests) control identity and config. */
  env?: NodeJS.ProcessEnv;
}

/** Extra per-call settings for {@link gitBuffer}. */
export interface GitCallOptions {
  /** Variables added on top of the context environment, e.g. `GIT_INDEX_FILE`. */
  env?: NodeJS.ProcessEnv;
  /** Data written to git's stdin. */
  input?: string;
}

/** A git command that exited non-zero; `message` carries git's stderr. */
export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** Runs `git <args>` without a shell and returns raw stdout; throws {@link GitError} on a non-zero exit. */
export function gitBuffer(ctx: GitContext, args: string[], options: GitCallOptions = {}): Buffer {
  try {
    return execFileSync('git', args, {
      cwd: ctx.cwd,
      env: { ...(ctx.env ?? process.env), ...options.env },
      input: options.input ?? '',
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 512 * 1024 * 1024,
    });
  } catch (err) {
    const failure = err as { status?: number | null; stderr?: Buffer };
    if (typeof failure.status !== 'number') throw err;
    const stderr = failure.stderr?.toString('utf8').trim() ?? '';
    throw new GitError(`git ${args.join(' ')} failed (exit ${failure.status})${stderr ? `: ${stderr}` : ''}`, failure.status);
  }
}

/** Runs `git <args>` and returns stdout as text without its trailing newline. */
export function git(ctx: GitContext, args: string[], options: GitCallOptions = {}): string {
  return gitBuffer(ctx, args, options).toString('utf8').replace(/\n$/, '');
}

/** Like {@link git}, but returns `undefined` when git exits non-zero (for probes such as `rev-parse --verify`). */
export function tryGit(ctx: GitContext, args: string[], options: GitCallOptions = {}): string | undefined {
  try {
    return git(ctx, args, options);
  } catch (err) {
    if (err instanceof GitError) return undefined;
    throw err;
  }
}
