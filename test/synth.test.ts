import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, JsonPatch } from 'cdk8s';
import * as fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { buildApp } from '../charts';
import { NamespaceBaseline, PlatformChart, Workload, WorkloadProps } from '../lib';
import { fastStringify } from '../lib/render/fast-yaml';
import { tree } from './util';
import { fileNameOf, kustomization, renderChart, synthesize, toYaml, ValidationFailedError } from '../lib/render/synth';

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

  test('buildApp seals every chart: its objects are resolved once, frozen, and equal to a fresh resolve after the whole app is built', () => {
    const a = new App();
    buildApp(a);
    const charts = a.node.children.filter((c): c is PlatformChart => c instanceof PlatformChart);
    expect(charts.length).toBeGreaterThan(10);
    for (const chart of charts) {
      expect(chart.sealed).toBe(true);
      const shared = chart.toJson();
      expect(chart.toJson()).toBe(shared);
      expect(Object.isFrozen(shared[0].metadata)).toBe(true);
      // Nothing may change a chart once a reader has its objects: the cached list must match resolving now.
      expect(shared).toEqual(Object.getPrototypeOf(PlatformChart.prototype).toJson.call(chart));
    }
    // A sealed chart takes no new constructs.
    expect(() => new NamespaceBaseline(charts[0], 'late')).toThrow(/Cannot add children/);
    // An unsealed chart resolves afresh every time (constructs may still be added).
    const open = app();
    const chart = open.node.children.find((c): c is PlatformChart => c instanceof PlatformChart)!;
    expect(chart.sealed).toBe(false);
    expect(chart.toJson()).not.toBe(chart.toJson());
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

  test('a full run leaves an unchanged chart directory alone, and rewrites one with a stray, missing or edited file', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    synthesize(app(), { outdir, clean: true });
    const dir = path.join(outdir, 'shop', 'test');
    const rendered = tree(dir);
    const inode = fs.statSync(dir).ino;
    // Leftovers beside the chart (an interrupted write, a removed environment, a stray file) go; the chart stays.
    fs.mkdirSync(path.join(outdir, 'shop', 'test.tmp-1'));
    fs.mkdirSync(path.join(outdir, 'shop', 'removed'));
    fs.writeFileSync(path.join(outdir, 'notes.txt'), 'x');
    synthesize(app(), { outdir, clean: true });
    expect(fs.statSync(dir).ino).toBe(inode);
    expect(fs.readdirSync(outdir)).toEqual(['shop']);
    expect(fs.readdirSync(path.join(outdir, 'shop'))).toEqual(['test']);
    for (const damage of [
      () => fs.writeFileSync(path.join(dir, 'stale.yaml'), 'x: 1\n'),
      () => fs.rmSync(path.join(dir, 'deployment-shop-web.yaml')),
      () => fs.appendFileSync(path.join(dir, 'kustomization.yaml'), '# edited\n'),
    ]) {
      damage();
      synthesize(app(), { outdir, clean: true });
      expect(tree(dir)).toEqual(rendered);
    }
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

  describe('fast YAML layout (lib/render/fast-yaml.ts) writes the bytes of the yaml library', () => {
    const options = { lineWidth: 0, aliasDuplicateObjects: false, indent: 2, version: '1.1' } as const;

    test('on every object the app renders, and covers most of them', () => {
      const a = new App();
      buildApp(a);
      const objects = a.charts.flatMap((c) => c.toJson());
      let covered = 0;
      for (const object of objects) {
        const fast = fastStringify(object, options);
        if (fast === undefined) continue;
        covered++;
        expect(fast).toBe(stringify(object, options));
      }
      // Multi-line strings (config files in ConfigMaps) are block scalars written directly too.
      expect(covered).toBe(objects.length);
    });

    test('on generated objects with the scalars YAML 1.1 and the library treat specially', () => {
      const tricky = fc.constantFrom('on', 'off', 'yes', 'No', 'y', 'N', '~', 'null', 'true', 'False', '0755', '0x1F', '1e3', '1_000', '12:30', '.5', '-1',
        '2001-12-14', '-', '- a', '? x', 'a: b', 'a #b', '#x', ' x', 'x ', '---', '---x', '...x', '%x', '@x', '`x', '', "it's", '"q"', 'a\nb', 'x\n', '\tx',
        // Multi-line strings: block scalars with each chomping, an indentation indicator, blank and document-marker lines.
        'a\n\nb\n\n', ' a\nb', '#!/bin/sh\nset -e\n', 'a  \nb', '\ta\nb', 'a\nb\n  ', 'a\n---\nb\n', '---\na', 'a\n...\n', 'a\n\n', '\n', '\na', 'x: 1\n- y\n',
        'é', '\u0007', '[a]', '{a}', 'a,b', '*x', '&x', '!x', '|x', '>x', 'a:b', 'http://x:80/y', '$(VAR)', '${VAR}');
      const key = fc.oneof(tricky, fc.string({ maxLength: 5 }), fc.constantFrom('name', 'app.kubernetes.io/name', 'a b'));
      const scalar = fc.oneof(tricky, fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(-0), fc.constant(undefined));
      const tree = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, scalar, fc.dictionary(key, tie('node')), fc.array(tie('node'), { maxLength: 3 })) })).node;
      fc.assert(fc.property(fc.oneof(fc.dictionary(key, tree), fc.array(tree, { maxLength: 4 })), (object) => {
        const fast = fastStringify(object, options);
        if (fast !== undefined) expect(fast).toBe(stringify(object, options));
      }), { numRuns: 2000 });
    });
  });
});
