import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { App } from 'cdk8s';
import { parse, parseAllDocuments } from 'yaml';
import { buildApp } from '../charts';
import { synthesize } from '../lib/render/synth';

/**
 * Every `dist/<platform>/<environment>/` must be a self-contained kustomization: `kubectl kustomize` (what Argo CD
 * runs on a directory with a kustomization.yaml) must yield exactly the objects of the files in it.
 */

const run = promisify(execFile);

/** The kubectl binary on the PATH, or undefined. */
function findKubectl(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  return found.length > 0 ? found : undefined;
}

const KUBECTL = findKubectl();
const MISSING_KUBECTL = 'kubectl is not on the PATH: test/kustomize.test.ts runs the real `kubectl kustomize` on every dist/<platform>/<environment>/. '
  + 'Install it (Debian: `apt-get install -y kubernetes-client`) and run the tests again.';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kustomize-test-'));
const app = new App({ outdir });
buildApp(app);
// One synth for the whole file; it also runs the validation gate.
const charts = synthesize(app, { outdir });

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

// Each kubectl run mostly waits on process start-up: run them all at once, and let each test await its own.
const kustomized = new Map<string, Promise<Map<string, any>>>();
beforeAll(() => {
  for (const c of charts) {
    const pending = kustomizeObjects(path.join(outdir, c.directory));
    pending.catch(() => undefined); // reported by the test that awaits it
    kustomized.set(c.directory, pending);
  }
});

const keyOf = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

/** The manifest files of a directory: every `.yaml` but the kustomization (TOPOLOGY.md and other docs are not resources). */
function manifestFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
}

/** `kubectl kustomize <dir>`, parsed, by key. */
async function kustomizeObjects(dir: string): Promise<Map<string, any>> {
  if (!KUBECTL) throw new Error(MISSING_KUBECTL);
  const { stdout } = await run(KUBECTL, ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((d) => d.toJS()).filter((o) => o !== null);
  const byKey = new Map<string, any>();
  for (const o of objects) {
    if (byKey.has(keyOf(o))) throw new Error(`kubectl kustomize ${dir} yields ${keyOf(o)} twice`);
    byKey.set(keyOf(o), o);
  }
  return byKey;
}

test('kubectl is installed', () => {
  if (!KUBECTL) throw new Error(MISSING_KUBECTL);
  const version = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  expect(version.status).toBe(0);
});

test('the app renders at least one platform directory', () => {
  expect(charts.length).toBeGreaterThan(0);
});

describe.each(charts.map((c) => c.directory))('dist/%s', (directory) => {
  const dir = path.join(outdir, directory);

  test('every file is listed in kustomization.yaml and every listed file exists', () => {
    const kustomization = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'));
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    const onDisk = manifestFiles(dir);
    expect([...kustomization.resources].sort()).toEqual(onDisk);
  });

  test('kubectl kustomize yields exactly the objects of the files', async () => {
    // The objects the files were written from (test/synth.test.ts proves every file parses back to its object).
    const chart = charts.find((c) => c.directory === directory)!;
    expect(chart.files.map((f) => f.fileName).sort()).toEqual(manifestFiles(dir));
    const expected = new Map(chart.files.map((f) => [keyOf(f.object), f.object]));
    const actual = await kustomized.get(directory)!;
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, object] of expected) expect(actual.get(key)).toEqual(object);
  });
});

/**
 * The bootstrap the README gives: `kubectl apply -k dist/argocd/<environment>`. Argo CD refuses an Application whose
 * AppProject does not exist, and the root's project is one of the objects the root syncs, so the command's directory
 * must hold the root together with every project an Application names, the projects applied first.
 */
describe('the Argo CD bootstrap command of the README', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const delivery = readme.split(/^## /m).find((s) => s.startsWith('Delivery')) ?? '';
  const command = /^\s*(kubectl apply -k (\S+))\s*$/m.exec(delivery);
  const environments = charts.filter((c) => c.platform === 'argocd').map((c) => c.environment);

  test('the Delivery section gives `kubectl apply -k dist/argocd/<environment>`', () => {
    expect(command?.[1]).toBe('kubectl apply -k dist/argocd/<environment>');
  });

  test('there are Argo CD environments', () => {
    expect(environments.length).toBeGreaterThan(0);
  });

  test.each(environments)('%s: kubectl kustomize on the command\'s directory yields the root and the projects of every Application, projects first', async (env) => {
    if (!KUBECTL) throw new Error(MISSING_KUBECTL);
    // The README's path is relative to the checkout, whose dist/ is this test's outdir.
    const dir = path.join(outdir, command![2].replace(/^dist\//, '').replace('<environment>', env));
    // The same directory as dist/argocd/<env> above: its kustomize run is already under way.
    const objects = [...(await kustomized.get(path.relative(outdir, dir))!).values()];
    const position = (kind: string, name: string) => objects.findIndex((o) => o.kind === kind && o.metadata.name === name);
    const applications = objects.filter((o) => o.kind === 'Application');
    expect(applications.map((a) => a.metadata.name)).toContain(`root-${env}`);
    for (const a of applications) {
      // Never the `default` project: a hardened installation restricts it, and the objects must carry their own limits.
      expect(a.spec.project).not.toBe('default');
      const project = position('AppProject', a.spec.project);
      expect({ application: a.metadata.name, projectFound: project >= 0 }).toEqual({ application: a.metadata.name, projectFound: true });
      expect(project).toBeLessThan(position('Application', a.metadata.name));
      expect(objects[project].metadata.namespace).toBe(a.metadata.namespace);
    }
  });
});
