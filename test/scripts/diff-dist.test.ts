import * as fs from 'node:fs';
import * as path from 'node:path';
import { diffFields, runDiffCli } from '../../scripts/diff-dist';
import { publishDist } from '../../scripts/publish-dist';
import { createGitFixture, GitFixture, SAMPLE_DIST } from './git-fixture';

let fx: GitFixture;

/** Runs the CLI in-process and captures its exit code and output. */
function diff(...argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runDiffCli(argv, { cwd: fx.work, env: fx.env, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Applies a set of edits to the rendered tree: changed, added, removed and moved resources. */
function editDist(): void {
  const edited = { ...SAMPLE_DIST };
  edited['aws/prod/deployment.yaml'] = SAMPLE_DIST['aws/prod/deployment.yaml']
    .replace('replicas: 2', 'replicas: 3')
    .replace('api:1.0.0', 'api:1.1.0')
    .replace('    app.kubernetes.io/name: api\n', '    app.kubernetes.io/name: api\n    tier: backend\n')
    .replace('            - name: REGION\n              value: eu-west-1\n', '');
  delete edited['aws/prod/service.yaml'];
  edited['aws/prod/kustomization.yaml'] = 'resources:\n  - deployment.yaml\n  - configmap.yaml\n';
  edited['aws/prod/configmap.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  namespace: shop\n';
  // Same resources, different files: not a resource change.
  const [namespace, configMap] = SAMPLE_DIST['aws/dev/all.yaml'].split(/^---\n/m).filter(Boolean);
  edited['aws/dev/all.yaml'] = configMap;
  edited['aws/dev/namespace.yaml'] = namespace;
  fx.writeDist(edited);
}

describe('diff-dist', () => {
  beforeEach(() => {
    fx = createGitFixture();
    fx.writeDist(SAMPLE_DIST);
    // The fixture has no main.ts: its render is the dist/ it holds.
    publishDist({ cwd: fx.work, env: fx.env, render: (outdir, sourceDir) => fs.cpSync(path.join(sourceDir, 'dist'), outdir, { recursive: true }) });
  });
  afterEach(() => fx.cleanup());

  it('exits 0 when dist matches the published branch (default ref origin/dist)', () => {
    const result = diff();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Comparing dist with origin\/dist \([0-9a-f]{12}\)\.\n\nNo changes\.\n$/);
  });

  it('prints added, removed and changed resources with field-level diffs, sorted, and exits 1', () => {
    editDist();
    const result = diff('--ref', 'origin/dist');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout.replace(/\([0-9a-f]{12}\)/, '(<sha>)')).toBe(
      [
        'Comparing dist with origin/dist (<sha>).',
        '',
        'aws/prod: 1 added, 1 removed, 1 changed, 1 other file changed',
        '  + ConfigMap shop/api  (configmap.yaml)',
        '  - Service shop/api  (service.yaml)',
        '  ~ Deployment.apps shop/api  (deployment.yaml)',
        '      + metadata.labels.tier: "backend"',
        '      ~ spec.replicas: 2 → 3',
        '      - spec.template.spec.containers[0].env[1]',
        '      ~ spec.template.spec.containers[0].image: "registry.example/api:1.0.0" → "registry.example/api:1.1.0"',
        '  ~ file kustomization.yaml',
        '',
        '1 added, 1 removed, 1 changed resources, 1 other file changed in 1 of 3 directories.',
        '',
      ].join('\n'),
    );
  });

  it('renders a markdown summary with a count table and details blocks', () => {
    editDist();
    const result = diff('--markdown');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('| Platform | Environment | Added | Removed | Changed | Files |');
    expect(result.stdout).toContain('| aws | prod | 1 | 1 | 1 | 1 |');
    expect(result.stdout).toContain('| aws | dev | 0 | 0 | 0 | 0 |');
    expect(result.stdout).toMatch(/<details><summary><b>aws\/prod<\/b>: 1 added[^\n]*<\/summary>\n\n```diff\n\+ ConfigMap shop\/api/);
    expect(result.stdout).not.toContain('<b>aws/dev</b>');
  });

  it('counts everything as added when the ref does not exist', () => {
    const result = diff('--ref', 'refs/heads/missing');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('refs/heads/missing, which does not exist');
    expect(result.stdout).toContain('argocd/prod: 1 added, 0 removed, 0 changed');
    expect(result.stdout).toContain('  + Application.argoproj.io argocd/aws-prod  (application.yaml)');
    expect(result.stdout).toContain('  + Namespace shop  (all.yaml)');
    expect(result.stdout).toContain('  + file kustomization.yaml');
  });

  it('falls back to the local dist branch when origin/dist is absent', () => {
    const published = fx.git(['rev-parse', 'refs/remotes/origin/dist']);
    fx.git(['update-ref', '-d', 'refs/remotes/origin/dist']);
    expect(diff().stdout).toContain('with origin/dist, which does not exist');

    fx.git(['branch', 'dist', published]);
    const result = diff();
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`with dist (${published.slice(0, 12)})`);
  });

  it('exits 2 on invalid YAML, duplicate resources or a missing directory', () => {
    fs.writeFileSync(path.join(fx.work, 'dist/aws/prod/broken.yaml'), 'kind: [unclosed\n');
    expect(diff()).toMatchObject({ code: 2, stderr: expect.stringMatching(/^diff-dist: aws\/prod\/broken\.yaml: /) });

    fs.writeFileSync(path.join(fx.work, 'dist/aws/prod/broken.yaml'), SAMPLE_DIST['aws/prod/service.yaml']);
    expect(diff()).toMatchObject({ code: 2, stderr: expect.stringContaining('Service shop/api is defined twice') });

    expect(diff('--dir', 'nowhere')).toMatchObject({ code: 2, stderr: expect.stringContaining('does not exist') });
  });
});

describe('diffFields', () => {
  it('uses dotted paths, [i] indices and quoted keys', () => {
    const before = { metadata: { labels: { 'app.kubernetes.io/name': 'a' } }, ports: [80], constructor: 1 };
    const after = { metadata: { labels: { 'app.kubernetes.io/name': 'b' } }, ports: [80, 443], toString: 2 };
    expect(diffFields(before, after)).toEqual([
      { op: '-', path: 'constructor', before: 1 },
      { op: '~', path: 'metadata.labels["app.kubernetes.io/name"]', before: 'a', after: 'b' },
      { op: '+', path: 'ports[1]', after: 443 },
      { op: '+', path: 'toString', after: 2 },
    ]);
  });
});
