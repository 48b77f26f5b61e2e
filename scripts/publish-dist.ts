/**
 * Publishes the rendered `dist/` directory as one new commit on the `dist` branch, which Argo CD watches.
 *
 * Only a fresh render of the commit named in the message is published: the source (clean, so equal to HEAD) is
 * rendered again into a temporary directory and `dist/` must match it byte for byte, so a hand edit in `dist/`
 * (or a render of an older commit) never reaches the branch.
 *
 * The commit is built with git plumbing in a throw-away index, so the caller's checkout, index and HEAD
 * are never touched. The branch only ever moves forward: the new commit's parent is the remote tip and the
 * push is a plain fast-forward, so a concurrent publisher makes this run fail instead of losing history.
 *
 * Usage: tsx scripts/publish-dist.ts [--dir dist] [--branch dist] [--remote origin] [--dry-run]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { git, GitContext, tryGit } from './lib/git';
import { listFiles } from './lib/files';

/** Settings for {@link publishDist}; every field has a default. */
export interface PublishOptions {
  /** A directory inside the source repository. Default: `process.cwd()`. */
  cwd?: string;
  /** The rendered output, relative to `cwd`. Default: `dist`. */
  distDir?: string;
  /** Branch that receives the rendered output. Default: `dist`. */
  branch?: string;
  /** Remote that holds the branch. Default: `origin`. */
  remote?: string;
  /** When false, the commit is created but not pushed. Default: true. */
  push?: boolean;
  /** Environment for git. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Renders the source at `sourceDir` (the repository top, equal to HEAD) into the empty directory `outdir`; `dist/`
   * must equal its output. Default: {@link renderWithMain}, the same command as `npm run synth`.
   */
  render?: (outdir: string, sourceDir: string, env: NodeJS.ProcessEnv) => void;
}

/** What {@link publishDist} did; the path lists are relative to the dist directory and sorted. */
export interface PublishResult {
  status: 'published' | 'unchanged';
  /** The new commit (only when published). */
  commit?: string;
  /** The remote tip before this run, absent when the branch did not exist. */
  parent?: string;
  /** The source commit whose render was published. */
  source: string;
  added: string[];
  removed: string[];
  changed: string[];
}

/** A precondition failed; the message is meant for the person running the script. */
export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

const FALLBACK_IDENTITY = { NAME: 'dist-publisher', EMAIL: 'dist-publisher@localhost' } as const;

/**
 * Replaces the content of the dist branch with the content of the dist directory as one commit on top of
 * the current remote tip, and pushes it as a fast-forward. Makes no commit when nothing changed.
 *
 * @throws PublishError when the working tree is dirty or the dist directory is missing or empty.
 * @throws GitError when a git command fails, e.g. the push is rejected because the branch moved meanwhile.
 */
export function publishDist(options: PublishOptions = {}): PublishResult {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const requestedDir = path.resolve(cwd, options.distDir ?? 'dist');
  const branch = options.branch ?? 'dist';
  const remote = options.remote ?? 'origin';
  const env = options.env ?? process.env;

  const [top, gitDir] = git({ cwd, env }, ['rev-parse', '--show-toplevel', '--absolute-git-dir']).split('\n');
  const ctx: GitContext = { cwd: top, env };
  if (!fs.existsSync(requestedDir)) throw new PublishError(`${requestedDir} does not exist; render the manifests first (npm run synth).`);
  // Real path, because git reports the top level with symlinks resolved (e.g. /tmp on macOS).
  const distDir = fs.realpathSync(requestedDir);
  assertCleanWorkingTree(ctx, distDir);
  if (listFiles(distDir).length === 0) throw new PublishError(`${distDir} contains no files; refusing to publish an empty branch.`);
  assertFreshRender(distDir, top, env, options.render ?? renderWithMain);

  const [source, subject] = git(ctx, ['log', '-1', '--format=%H%n%s', 'HEAD']).split('\n');
  const parent = fetchRemoteTip(ctx, remote, branch);
  const tree = writeTreeFromDirectory(ctx, gitDir, distDir);
  const parentTree = parent ? git(ctx, ['rev-parse', `${parent}^{tree}`]) : emptyTree(ctx);
  const changes = diffTrees(ctx, parentTree, tree);

  if (parent && tree === parentTree) return { status: 'unchanged', parent, source, ...changes };

  const commit = git(ctx, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `Render ${source} (${subject})`], {
    env: fallbackIdentity(ctx),
  });
  if (options.push ?? true) git(ctx, ['push', '--quiet', remote, `${commit}:refs/heads/${branch}`]);
  return { status: 'published', commit, parent, source, ...changes };
}

/** Refuses tracked changes and untracked files outside the dist directory: the commit message must describe the render. */
function assertCleanWorkingTree(ctx: GitContext, distDir: string): void {
  const relative = path.relative(ctx.cwd, distDir).split(path.sep).join('/');
  const insideRepo = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  const pathspec = insideRepo ? ['--', '.', `:(exclude)${relative}`] : [];
  const status = git(ctx, ['status', '--porcelain', ...pathspec]);
  if (status) {
    throw new PublishError(
      `working tree is dirty; commit or stash these changes so the published render matches HEAD:\n${status}`,
    );
  }
}

/**
 * Renders the source into `outdir` (via `CDK8S_OUTDIR`) with the command `npm run synth` runs: scripts/synth.js,
 * main.ts as a cached esbuild bundle (the same transpile-only code tsx would run, so the same bytes).
 */
export function renderWithMain(outdir: string, sourceDir: string, env: NodeJS.ProcessEnv): void {
  const result = spawnSync(process.execPath, [path.join('scripts', 'synth.js')], {
    cwd: sourceDir, env: { ...env, CDK8S_OUTDIR: outdir }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new PublishError(`the fresh render of HEAD failed, so there is nothing to compare dist/ with:\n${output || String(result.error)}`);
  }
}

/**
 * Renders HEAD again into a temporary directory and refuses unless `distDir` holds exactly the same files with the
 * same bytes: the branch receives what HEAD renders, never a hand edit or a stale render.
 */
function assertFreshRender(distDir: string, sourceDir: string, env: NodeJS.ProcessEnv, render: NonNullable<PublishOptions['render']>): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-dist-render-'));
  try {
    render(tmp, sourceDir, env);
    const fresh = listFiles(tmp);
    const published = listFiles(distDir);
    const freshSet = new Set(fresh);
    const publishedSet = new Set(published);
    const differences = [
      ...published.filter((file) => !freshSet.has(file)).map((file) => `not in the fresh render: ${file}`),
      ...fresh.filter((file) => !publishedSet.has(file)).map((file) => `missing from dist: ${file}`),
      ...published.filter((file) => freshSet.has(file) && !fs.readFileSync(path.join(distDir, file)).equals(fs.readFileSync(path.join(tmp, file))))
        .map((file) => `differs from the fresh render: ${file}`),
    ];
    if (differences.length > 0) {
      const shown = differences.slice(0, 20).join('\n  ') + (differences.length > 20 ? `\n  … and ${differences.length - 20} more` : '');
      throw new PublishError(`${distDir} is not a fresh render of HEAD; run \`npm run synth\` and publish again (hand edits never reach the branch):\n  ${shown}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Fetches the branch tip from the remote; `undefined` when the branch does not exist there yet. */
function fetchRemoteTip(ctx: GitContext, remote: string, branch: string): string | undefined {
  const ref = `refs/heads/${branch}`;
  if (!git(ctx, ['ls-remote', '--heads', remote, ref])) return undefined;
  git(ctx, ['fetch', '--quiet', '--no-tags', remote, ref]);
  return git(ctx, ['rev-parse', '--verify', 'FETCH_HEAD^{commit}']);
}

/** Stages every file of `dir` into a temporary index and writes it as a tree object. */
function writeTreeFromDirectory(ctx: GitContext, gitDir: string, dir: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-dist-'));
  try {
    const indexEnv = { GIT_INDEX_FILE: path.join(tmp, 'index') };
    const inDir = { cwd: dir, env: ctx.env };
    // --force: ignore rules (e.g. a global excludes file) must not silently drop rendered files.
    git(inDir, [`--git-dir=${gitDir}`, `--work-tree=${dir}`, 'add', '--all', '--force', '--', '.'], { env: indexEnv });
    return git(inDir, [`--git-dir=${gitDir}`, 'write-tree'], { env: indexEnv });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function emptyTree(ctx: GitContext): string {
  return git(ctx, ['hash-object', '-w', '-t', 'tree', '--stdin']);
}

function diffTrees(ctx: GitContext, from: string, to: string): Pick<PublishResult, 'added' | 'removed' | 'changed'> {
  const fields = git(ctx, ['diff-tree', '-r', '-z', '--no-renames', '--name-status', from, to]).split('\0');
  const result = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [status, file] = [fields[i], fields[i + 1]];
    if (status === 'A') result.added.push(file);
    else if (status === 'D') result.removed.push(file);
    else result.changed.push(file);
  }
  return result;
}

/**
 * Environment variables supplying `dist-publisher` for each identity part that neither the environment nor
 * git config provides, so CI runners without a configured identity can still commit.
 */
function fallbackIdentity(ctx: GitContext): NodeJS.ProcessEnv {
  const env = ctx.env ?? process.env;
  const configured = new Set(
    (tryGit(ctx, ['config', '--get-regexp', '^(user|author|committer)\\.(name|email)$']) ?? '')
      .split('\n')
      .filter((line) => /^\S+ \S/.test(line))
      .map((line) => line.split(' ')[0].toLowerCase()),
  );
  const result: NodeJS.ProcessEnv = {};
  for (const role of ['AUTHOR', 'COMMITTER'] as const) {
    for (const part of ['NAME', 'EMAIL'] as const) {
      const variable = `GIT_${role}_${part}`;
      const key = part.toLowerCase();
      const fromConfig = configured.has(`${role.toLowerCase()}.${key}`) || configured.has(`user.${key}`);
      const fromEnv = Boolean(env[variable]) || (part === 'EMAIL' && Boolean(env.EMAIL));
      if (!fromConfig && !fromEnv) result[variable] = FALLBACK_IDENTITY[part];
    }
  }
  return result;
}

/** Command-line entry point; returns the process exit code. */
export function runPublishCli(argv: string[], context: Pick<PublishOptions, 'cwd' | 'env' | 'render'> = {}): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        dir: { type: 'string', default: 'dist' },
        branch: { type: 'string', default: 'dist' },
        remote: { type: 'string', default: 'origin' },
        'dry-run': { type: 'boolean', default: false },
      },
    });
    const result = publishDist({ distDir: values.dir, branch: values.branch, remote: values.remote, push: !values['dry-run'], ...context });
    const target = `${values.remote}/${values.branch}`;
    if (result.status === 'unchanged') {
      console.log(`Nothing to publish: ${values.dir}/ already matches ${target} (${result.parent?.slice(0, 12)}).`);
      return 0;
    }
    for (const file of result.added) console.log(`A ${file}`);
    for (const file of result.removed) console.log(`D ${file}`);
    for (const file of result.changed) console.log(`M ${file}`);
    const verb = values['dry-run'] ? 'Created (not pushed)' : `Published to ${target}:`;
    console.log(
      `${verb} ${result.commit} rendering ${result.source.slice(0, 12)}: ` +
        `${result.added.length} added, ${result.removed.length} removed, ${result.changed.length} changed.`,
    );
    return 0;
  } catch (err) {
    console.error(`publish-dist: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = runPublishCli(process.argv.slice(2));
