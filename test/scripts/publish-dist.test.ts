import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { listFiles } from '../../scripts/lib/files';
import { publishDist, PublishError, PublishOptions, renderWithMain, runPublishCli } from '../../scripts/publish-dist';
import { createGitFixture, GitFixture, IDENTITY, SAMPLE_DIST } from './git-fixture';

let fx: GitFixture;
beforeEach(() => {
  fx = createGitFixture();
  fx.writeDist(SAMPLE_DIST);
});
afterEach(() => fx.cleanup());

/** A render of the fixture's source that agrees with whatever its dist directory holds (the fixture has no main.ts). */
const faithfulRender = (distDir = 'dist'): NonNullable<PublishOptions['render']> => (outdir, sourceDir) =>
  fs.cpSync(path.join(sourceDir, distDir), outdir, { recursive: true });
/** A render that produces `files`, as main.ts would for the fixture's source. */
const renderOf = (files: Record<string, string>): NonNullable<PublishOptions['render']> => (outdir) => {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(outdir, file)), { recursive: true });
    fs.writeFileSync(path.join(outdir, file), content);
  }
};
const publish = (options: PublishOptions = {}) => publishDist({ cwd: fx.work, env: fx.env, render: faithfulRender(options.distDir), ...options });
const remoteTip = (branch = 'dist'): string => fx.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], fx.remote);
const treeFiles = (rev: string): string[] => fx.git(['ls-tree', '-r', '--name-only', rev], fx.remote).split('\n').filter(Boolean);

describe('publishDist', () => {
  it('creates the branch as a root commit holding exactly the dist files', () => {
    const head = fx.git(['rev-parse', 'HEAD']);
    const result = publish();

    expect(result.status).toBe('published');
    expect(result.commit).toBe(remoteTip());
    expect(result.parent).toBeUndefined();
    expect(result.added).toEqual(Object.keys(SAMPLE_DIST).sort());
    expect(fx.git(['log', '-1', '--format=%P', remoteTip()], fx.remote)).toBe('');
    expect(fx.git(['log', '-1', '--format=%s|%an|%cn', remoteTip()], fx.remote)).toBe(
      `Render ${head} (Initial commit)|${IDENTITY.GIT_AUTHOR_NAME}|${IDENTITY.GIT_COMMITTER_NAME}`,
    );
    expect(treeFiles(remoteTip())).toEqual(Object.keys(SAMPLE_DIST).sort());
    expect(fx.git(['show', `${remoteTip()}:aws/prod/service.yaml`], fx.remote) + '\n').toBe(SAMPLE_DIST['aws/prod/service.yaml']);

    // The checkout is untouched: same HEAD, clean index, no local dist branch.
    expect(fx.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(fx.git(['status', '--porcelain'])).toBe('');
    expect(fx.git(['branch', '--list', 'dist'])).toBe('');
  });

  it('makes no commit when nothing changed', () => {
    const first = publish();
    const second = publish();

    expect(second).toMatchObject({ status: 'unchanged', parent: first.commit, added: [], removed: [], changed: [] });
    expect(second.commit).toBeUndefined();
    expect(remoteTip()).toBe(first.commit);
  });

  it('removes deleted files in a fast-forward commit on top of the previous tip', () => {
    const first = publish();
    fs.rmSync(path.join(fx.work, 'dist/aws/prod/service.yaml'));
    fs.writeFileSync(path.join(fx.work, 'dist/aws/prod/kustomization.yaml'), 'resources:\n  - deployment.yaml\n');

    const second = publish();

    expect(second).toMatchObject({ status: 'published', parent: first.commit, added: [], removed: ['aws/prod/service.yaml'] });
    expect(second.changed).toEqual(['aws/prod/kustomization.yaml']);
    expect(remoteTip()).toBe(second.commit);
    expect(fx.git(['log', '-1', '--format=%P', second.commit!], fx.remote)).toBe(first.commit);
    expect(() => fx.git(['merge-base', '--is-ancestor', first.commit!, second.commit!], fx.remote)).not.toThrow();
    expect(treeFiles(second.commit!)).not.toContain('aws/prod/service.yaml');
  });

  it('refuses a dirty working tree and leaves the remote alone', () => {
    fs.appendFileSync(path.join(fx.work, 'README.md'), 'local edit\n');

    expect(() => publish()).toThrow(PublishError);
    expect(() => publish()).toThrow(/working tree is dirty[\s\S]*README\.md/);
    expect(() => remoteTip()).toThrow();
  });

  it('treats untracked files outside dist as dirty', () => {
    fs.writeFileSync(path.join(fx.work, 'notes.txt'), 'draft\n');
    expect(() => publish()).toThrow(/dirty[\s\S]*notes\.txt/);
  });

  it('refuses a missing or empty dist directory', () => {
    fx.writeDist({});
    fs.mkdirSync(path.join(fx.work, 'dist/aws/prod'), { recursive: true });
    expect(() => publish()).toThrow(/no files/);
    fs.rmSync(path.join(fx.work, 'dist'), { recursive: true });
    expect(() => publish()).toThrow(/does not exist/);
  });

  it('honours branch, remote and dist directory options and does not push on dry run', () => {
    fx.git(['remote', 'add', 'upstream', fx.remote]);
    fx.git(['mv', 'README.md', 'README.txt']);
    fx.git(['commit', '--quiet', '-m', 'Rename readme']);
    fs.renameSync(path.join(fx.work, 'dist'), path.join(fx.work, 'out'));
    fs.appendFileSync(path.join(fx.work, '.git/info/exclude'), 'out/\n');

    const dry = publish({ remote: 'upstream', branch: 'rendered', distDir: 'out', push: false });
    expect(dry.status).toBe('published');
    expect(() => remoteTip('rendered')).toThrow();

    const real = publish({ remote: 'upstream', branch: 'rendered', distDir: 'out' });
    expect(fx.git(['rev-parse', `${real.commit}^{tree}`])).toBe(fx.git(['rev-parse', `${dry.commit}^{tree}`]));
    expect(fx.git(['log', '-1', '--format=%s', real.commit!])).toBe(`Render ${fx.git(['rev-parse', 'HEAD'])} (Rename readme)`);
    expect(remoteTip('rendered')).toBe(real.commit);
  });

  it('falls back to the dist-publisher identity when none is configured', () => {
    const env = Object.fromEntries(Object.entries(fx.env).filter(([key]) => !(key in IDENTITY)));
    const result = publishDist({ cwd: fx.work, env, render: faithfulRender() });
    expect(fx.git(['log', '-1', '--format=%an <%ae>|%cn <%ce>', result.commit!], fx.remote)).toBe(
      'dist-publisher <dist-publisher@localhost>|dist-publisher <dist-publisher@localhost>',
    );
  });
});

describe('publishDist publishes only a fresh render of HEAD', () => {
  it('publishes dist when it equals the fresh render', () => {
    expect(publish({ render: renderOf(SAMPLE_DIST) }).status).toBe('published');
  });

  it('refuses a hand edit in dist, naming the file, and leaves the remote alone', () => {
    fs.appendFileSync(path.join(fx.work, 'dist/aws/prod/service.yaml'), '# hot fix\n');
    expect(() => publish({ render: renderOf(SAMPLE_DIST) })).toThrow(PublishError);
    expect(() => publish({ render: renderOf(SAMPLE_DIST) })).toThrow(/is not a fresh render of HEAD[\s\S]*differs from the fresh render: aws\/prod\/service\.yaml/);
    expect(() => remoteTip()).toThrow();
  });

  it('refuses a file the render does not make, and a missing one', () => {
    fs.writeFileSync(path.join(fx.work, 'dist/aws/prod/extra.yaml'), 'kind: ConfigMap\n');
    expect(() => publish({ render: renderOf(SAMPLE_DIST) })).toThrow(/not in the fresh render: aws\/prod\/extra\.yaml/);
    fs.rmSync(path.join(fx.work, 'dist/aws/prod/extra.yaml'));
    fs.rmSync(path.join(fx.work, 'dist/aws/prod/service.yaml'));
    expect(() => publish({ render: renderOf(SAMPLE_DIST) })).toThrow(/missing from dist: aws\/prod\/service\.yaml/);
  });

  it('refuses when the render fails, and the CLI exits 1 with the reason', () => {
    const failing = () => {
      throw new PublishError('the fresh render of HEAD failed, so there is nothing to compare dist/ with:\nsynth failed: boom');
    };
    expect(() => publish({ render: failing })).toThrow(/fresh render of HEAD failed[\s\S]*boom/);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(runPublishCli([], { cwd: fx.work, env: fx.env, render: failing })).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toMatch(/^publish-dist: the fresh render of HEAD failed/);
    } finally {
      error.mockRestore();
    }
  });

  it('the default render runs main.ts into a temporary directory, as npm run synth does, without touching the checkout', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'publish-render-test-'));
    const repo = path.resolve(__dirname, '../..');
    const docs = fs.readFileSync(path.join(repo, 'docs/platforms.md'), 'utf8');
    try {
      renderWithMain(out, repo, process.env);
      const files = listFiles(out);
      expect(files).toContain('argocd/production/kustomization.yaml');
      expect(files).toContain('aroti/staging/kustomization.yaml');
      expect(fs.readFileSync(path.join(repo, 'docs/platforms.md'), 'utf8')).toBe(docs);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('publish-dist CLI', () => {
  it('reports when nothing changed and exits 0', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(runPublishCli([], { cwd: fx.work, env: fx.env, render: faithfulRender() })).toBe(0);
      expect(runPublishCli([], { cwd: fx.work, env: fx.env, render: faithfulRender() })).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toMatch(/Published to origin\/dist[\s\S]*Nothing to publish: dist\/ already matches origin\/dist/);
    } finally {
      log.mockRestore();
    }
  });

  it('exits non-zero with a message on a dirty tree', () => {
    const cli = path.resolve(__dirname, '../../scripts/publish-dist.ts');
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    fs.appendFileSync(path.join(fx.work, 'README.md'), 'local edit\n');

    const result = spawnSync(tsx, [cli], { cwd: fx.work, env: fx.env, encoding: 'utf8' });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/publish-dist: working tree is dirty/);
  });
});
