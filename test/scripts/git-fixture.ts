import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A throw-away bare remote plus a clone with one commit on main and a git-ignored `dist/`. */
export interface GitFixture {
  /** The clone (working copy). */
  work: string;
  /** The bare repository acting as `origin`. */
  remote: string;
  /** Environment isolated from the machine's git config, with a fixed test identity. */
  env: NodeJS.ProcessEnv;
  /** Runs git in `cwd` (default: the clone) and returns trimmed stdout. */
  git(args: string[], cwd?: string): string;
  /** Replaces `dist/` with exactly these files. */
  writeDist(files: Record<string, string>): void;
  cleanup(): void;
}

export const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.test',
};

/** Creates a fresh fixture (a copy of a per-file template, which is much cheaper than re-running git init); call `cleanup()` when done. */
export function createGitFixture(): GitFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-scripts-'));
  fs.cpSync(template(), root, { recursive: true });
  const fixture = fixtureIn(root);
  fixture.git(['remote', 'set-url', 'origin', fixture.remote]);
  return fixture;
}

let templateRoot: string | undefined;
// Registered at import time so every test file that uses fixtures also removes its template.
afterAll(() => templateRoot && fs.rmSync(templateRoot, { recursive: true, force: true }));

function template(): string {
  if (templateRoot) return templateRoot;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dist-scripts-template-'));
  fs.writeFileSync(path.join(root, 'gitconfig'), '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n');
  const { git, work, remote } = fixtureIn(root);
  git(['init', '--quiet', '--bare', remote], root);
  git(['init', '--quiet', work], root);
  fs.writeFileSync(path.join(work, '.gitignore'), 'dist/\n');
  fs.writeFileSync(path.join(work, 'README.md'), '# app\n');
  git(['add', '.']);
  git(['commit', '--quiet', '-m', 'Initial commit']);
  git(['remote', 'add', 'origin', remote]);
  git(['push', '--quiet', 'origin', 'main']);
  return (templateRoot = root);
}

function fixtureIn(root: string): GitFixture {
  // Drop inherited GIT_* variables (e.g. GIT_DIR when run from a hook) and the machine's git config.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_') && key !== 'EMAIL'));
  const env: NodeJS.ProcessEnv = { ...inherited, ...IDENTITY, GIT_CONFIG_GLOBAL: path.join(root, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  const remote = path.join(root, 'remote.git');
  const work = path.join(root, 'work');
  const git = (args: string[], cwd = work): string =>
    execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const writeDist = (files: Record<string, string>): void => {
    const dist = path.join(work, 'dist');
    fs.rmSync(dist, { recursive: true, force: true });
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dist, file)), { recursive: true });
      fs.writeFileSync(path.join(dist, file), content);
    }
  };
  return { work, remote, env, git, writeDist, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A small rendered tree: two environments of one platform plus Argo CD objects. */
export const SAMPLE_DIST: Record<string, string> = {
  'aws/prod/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
  'aws/prod/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: api',
    '  namespace: shop',
    '  labels:',
    '    app.kubernetes.io/name: api',
    'spec:',
    '  replicas: 2',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: registry.example/api:1.0.0',
    '          env:',
    '            - name: LOG_LEVEL',
    '              value: info',
    '            - name: REGION',
    '              value: eu-west-1',
    '',
  ].join('\n'),
  'aws/prod/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  ports:\n    - port: 80\n',
  'aws/dev/kustomization.yaml': 'resources:\n  - all.yaml\n',
  'aws/dev/all.yaml':
    '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: dev\n',
  'argocd/prod/application.yaml':
    'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: aws-prod\n  namespace: argocd\nspec:\n  source:\n    path: aws/prod\n',
};
