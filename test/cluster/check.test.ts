import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { splitWarnings } from './apiserver';
import { readRendered, WARNING_ALLOW_LIST } from './check';

/** Unit tests of the cluster tier's plumbing; the tier itself runs as `npm run test:cluster` (it needs the binaries). */

const ROOT = path.resolve(__dirname, '../..');

test('objects are applied in Argo CD order: sync wave, then kind order, then name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rendered-'));
  const write = (file: string, kind: string, name: string, wave?: number) => fs.writeFileSync(path.join(dir, file),
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${wave !== undefined ? `  annotations:\n    argocd.argoproj.io/sync-wave: "${wave}"\n` : ''}`);
  write('a-deployment.yaml', 'Deployment', 'a', 10);
  write('b-service.yaml', 'Service', 'b', 10);
  write('c-configmap.yaml', 'ConfigMap', 'c');
  write('d-namespace.yaml', 'Namespace', 'd', -10);
  write('e-widget.yaml', 'Widget', 'e', 10);
  fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources: []\n');
  try {
    expect(readRendered(dir).map((o) => o.file)).toEqual(['d-namespace.yaml', 'c-configmap.yaml', 'b-service.yaml', 'a-deployment.yaml', 'e-widget.yaml']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Warning headers are reduced to their text, several per header included', () => {
  expect(splitWarnings(['299 - "would violate PodSecurity \\"restricted:latest\\": runAsUser=0"', '299 - "a", 299 - "b"']))
    .toEqual(['would violate PodSecurity "restricted:latest": runAsUser=0', 'a', 'b']);
  expect(splitWarnings(undefined)).toEqual([]);
});

test('every allow-listed warning names its reason, platform and kind', () => {
  for (const entry of WARNING_ALLOW_LIST) {
    expect(entry.reason.length).toBeGreaterThan(20);
    expect(entry.platform).toMatch(/^[a-z-]+$/);
    expect(entry.kind).toMatch(/^[A-Z]\w+$/);
  }
});

describe('without KUBEBUILDER_ASSETS', () => {
  const runTier = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'test/cluster/run.ts')], {
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'KUBEBUILDER_ASSETS' && k !== 'CI')), ...env }, encoding: 'utf8', timeout: 60_000,
  });

  test('on a laptop the tier says loudly that it skipped, and how to get the binaries, and exits 0', () => {
    const res = runTier({});
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('SKIPPED: cluster tier (kube-apiserver): missing KUBEBUILDER_ASSETS');
    expect(res.stderr).toContain('setup-envtest use 1.28.x -p path');
  });

  test('under CI=true it fails instead', () => {
    const res = runTier({ CI: 'true' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('FAILED: cluster tier (kube-apiserver): missing KUBEBUILDER_ASSETS');
  });
});
