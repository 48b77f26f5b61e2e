import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, JsonPatch } from 'cdk8s';
import { parse } from 'yaml';
import { NamespaceBaseline, PlatformChart, Workload, WorkloadProps } from '../lib';
import { fileNameOf, kustomization, renderChart, synthesize, toYaml, ValidationFailedError } from '../lib/synth';

const web: WorkloadProps = {
  image: 'ghcr.io/example/web:1.0.0',
  resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port: 8080 }],
  readiness: { http: { path: '/' } },
  liveness: { http: { path: '/' } },
  env: { FEATURE_FLAG: 'on', LEGACY: 'yes', SHORT: 'n' },
};

function app(extra?: (chart: PlatformChart) => void): App {
  const a = new App();
  const chart = new PlatformChart(a, 'shop-test', { platform: 'shop', environment: 'test', namespace: 'shop' });
  new NamespaceBaseline(chart, 'shop');
  new Workload(chart, 'web', web);
  extra?.(chart);
  return a;
}

describe('synth', () => {
  test('YAML 1.1 words stay strings for kubectl and Argo CD (YAML 1.1 parsers)', () => {
    const text = toYaml({ FEATURE_FLAG: 'on', LEGACY: 'yes', n: 'n', octal: '0755', number: 3, flag: true });
    const asYaml11 = parse(text, { version: '1.1' });
    expect(asYaml11).toEqual({ FEATURE_FLAG: 'on', LEGACY: 'yes', n: 'n', octal: '0755', number: 3, flag: true });
    expect(parse(text)).toEqual(asYaml11);
  });

  test('file names are kind-namespace-name, lower case; cluster-scoped objects have no namespace part', () => {
    expect(fileNameOf({ kind: 'Deployment', metadata: { namespace: 'shop', name: 'web' } })).toBe('deployment-shop-web.yaml');
    expect(fileNameOf({ kind: 'Namespace', metadata: { name: 'shop' } })).toBe('namespace-shop.yaml');
  });

  test('renderChart orders namespaces first and workloads after their policies, and finds nothing in a good chart', () => {
    const a = app();
    const rendered = renderChart(a.charts[0] as PlatformChart);
    expect(rendered.findings).toEqual([]);
    const kinds = rendered.files.map((f) => f.object.kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.indexOf('NetworkPolicy')).toBeLessThan(kinds.indexOf('Deployment'));
    expect(parse(kustomization(rendered.files)).resources).toEqual(rendered.files.map((f) => f.fileName));
  });

  test('a full run replaces the output directory, so deleted resources and environments disappear', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    fs.mkdirSync(path.join(outdir, 'gone', 'test'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'gone', 'test', 'stale.yaml'), 'x: 1\n');
    synthesize(app(), { outdir, clean: true });
    expect(fs.existsSync(path.join(outdir, 'gone'))).toBe(false);
    expect(fs.readdirSync(path.join(outdir, 'shop', 'test'))).toContain('deployment-shop-web.yaml');
  });

  test('a finding fails the synth, names the problem and writes nothing', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    const broken = app((chart) => {
      // An escape-hatch patch that breaks Pod Security: the gate must catch it.
      const w = new Workload(chart, 'api', { ...web, env: {} });
      w.resource.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/privileged', true));
    });
    let error: unknown;
    try {
      synthesize(broken, { outdir, clean: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as Error).message).toMatch(/\[pss\/privileged\] shop\/test Deployment shop\/api at spec\.template\.spec\.containers\[0\]\.securityContext\.privileged/);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });
});
