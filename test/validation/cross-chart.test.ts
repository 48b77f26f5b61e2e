import { App } from 'cdk8s';
import { buildApp } from '../../charts';
import { AIAAS_CONFIG } from '../../charts/aiaas';
import { AURONTEK_CONFIG } from '../../charts/aurontek';
import { PlatformChart } from '../../lib';
import { addCrossChartFindings, renderChart } from '../../lib/render/synth';
import { destinationsOf, validateAcrossSets } from '../../lib/validation';
import { application, clusterIssuer, clusterSets, CTX, ingress } from './fixtures';

/** The cross-chart rules (`cluster/*`) over several rendered sets; rules.test.ts has one trigger per rule. */

describe('validateAcrossSets', () => {
  test('sets without conflicts have no findings', () => {
    expect(validateAcrossSets(clusterSets())).toEqual([]);
  });

  test('destinations come from the Applications: path (also under a prefix) to cluster, in-cluster by name or server', () => {
    const destinations = destinationsOf([{ platform: 'argocd', environment: 'x', objects: [
      application('a/staging', 'staging'),
      { ...application('dist/b/staging', 'x'), spec: { ...application('dist/b/staging', 'x').spec, destination: { server: 'https://kubernetes.default.svc/' } } },
      application('c/staging', 'in-cluster'),
    ] }]);
    expect([...destinations]).toEqual([['a/staging', 'staging'], ['dist/b/staging', 'in-cluster'], ['c/staging', 'in-cluster']]);
  });

  test('a conflict names both places and the cluster, once', () => {
    const sets = clusterSets();
    sets[2].objects.push(clusterIssuer());
    const findings = validateAcrossSets(sets);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ rule: 'cluster/one-owner', platform: CTX.platform, environment: CTX.environment, kind: 'ClusterIssuer', name: 'letsencrypt' });
    expect(findings[0].message).toBe('ClusterIssuer letsencrypt is also rendered by billing/staging; Argo CD sends both to cluster staging, where two Applications would fight over it');
  });

  test('the same namespaced object from two sets conflicts; in different namespaces it does not', () => {
    const sets = clusterSets();
    sets[1].objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'billing', namespace: 'billing' }, data: {} });
    sets[2].objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'billing', namespace: 'billing' }, data: {} });
    sets[2].objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'billing', namespace: 'shop' }, data: {} });
    expect(validateAcrossSets(sets).map((f) => `${f.rule} ${f.namespace}/${f.name}`)).toEqual(['cluster/one-owner billing/billing']);
  });

  test('sets on different clusters, or not named by any Application, are not compared', () => {
    const apart = clusterSets();
    apart[0].objects[1] = application('shop-platform/staging', 'other');
    apart[2].objects.push(clusterIssuer(), ingress('shop', 'mirror', 'billing.example.com'));
    expect(validateAcrossSets(apart)).toEqual([]);
    const unnamed = clusterSets();
    unnamed[0].objects.pop();
    unnamed[2].objects.push(clusterIssuer(), ingress('shop', 'mirror', 'billing.example.com', 'nowhere'));
    expect(validateAcrossSets(unnamed)).toEqual([]);
  });

  test('an HTTPRoute hostname conflicts with an Ingress host', () => {
    const sets = clusterSets();
    sets[2].objects.push({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'billing', namespace: 'shop' },
      spec: { hostnames: ['billing.example.com'], rules: [] },
    });
    expect(validateAcrossSets(sets)).toEqual([expect.objectContaining({
      rule: 'cluster/host-conflict', kind: 'HTTPRoute', path: 'spec.hostnames',
      message: 'host billing.example.com is also routed by Ingress billing/billing of billing/staging on cluster staging',
    })]);
  });

  test('two issuer-annotated Ingresses with one TLS Secret conflict, also inside one set', () => {
    const sets = clusterSets();
    const second = ingress('shop', 'api-v2', 'v2.example.com');
    second.spec.tls[0].secretName = 'api-tls';
    sets[2].objects.push(second);
    expect(validateAcrossSets(sets)).toEqual([expect.objectContaining({
      rule: 'cluster/certificate-secret', name: 'api-v2', path: 'spec.tls[0].secretName',
      message: `Secret shop/api-tls is also written by Ingress shop/api of ${CTX.platform}/${CTX.environment} on cluster staging`,
    })]);
  });

  test('a Certificate naming a ClusterIssuer nobody renders is found; a declared external one passes', () => {
    const sets = clusterSets();
    sets[2].objects.push({
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'wild', namespace: 'shop' },
      spec: { secretName: 'wild-tls', dnsNames: ['*.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'zerossl' } },
    });
    expect(validateAcrossSets(sets).map((f) => `${f.rule} ${f.name} ${f.path}: ${f.message}`)).toEqual([
      'cluster/missing-cluster-issuer wild spec.issuerRef.name: names ClusterIssuer zerossl, which no Application renders on cluster staging (it has letsencrypt)',
    ]);
    const declared = sets.map((s, i) => (i === 2 ? { ...s, externalReferences: [{ kind: 'ClusterIssuer', name: 'zerossl', reason: 'cluster bootstrap' }] } : s));
    expect(validateAcrossSets(declared)).toEqual([]);
  });
});

describe('the platforms', () => {
  /** Every chart of the app, rendered, with the cross-chart findings added as synth adds them. */
  function renderAll(configure?: () => void) {
    configure?.();
    const app = new App();
    buildApp(app);
    const charts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).map(renderChart);
    addCrossChartFindings(charts);
    return charts.flatMap((c) => c.findings).filter((f) => f.rule.startsWith('cluster/'));
  }

  test('every cluster has exactly one owner per object, one route per host and every ClusterIssuer it is asked for', () => {
    expect(renderAll()).toEqual([]);
  });

  test('without the platforms\' own ClusterIssuers on test and lke, the add-ons layer renders them there, with the solvers their edges need', () => {
    const saved = { aurontek: AURONTEK_CONFIG.test, aiaas: AIAAS_CONFIG.production };
    try {
      (AURONTEK_CONFIG as any).test = { ...saved.aurontek, renderClusterIssuer: undefined };
      (AIAAS_CONFIG as any).production = { ...saved.aiaas, renderClusterIssuer: undefined };
      const app = new App();
      buildApp(app);
      const charts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).map(renderChart);
      addCrossChartFindings(charts);
      expect(charts.flatMap((c) => c.findings)).toEqual([]);
      const issuers = charts.filter((c) => c.platform === 'addons').flatMap((c) => c.files.map((f) => f.object)
        .filter((o) => o.kind === 'ClusterIssuer').map((o) => ({ cluster: c.environment, name: o.metadata.name, solvers: o.spec.acme.solvers.length })));
      // lke: aiaas production's Ingress (nginx) and development/staging's Gateway listener certificates; test: the Gateway only.
      expect(issuers.sort((a, b) => a.cluster.localeCompare(b.cluster, 'en'))).toEqual([{ cluster: 'lke', name: 'letsencrypt-prod', solvers: 2 }, { cluster: 'test', name: 'letsencrypt-prod', solvers: 1 }]);
    } finally {
      (AURONTEK_CONFIG as any).test = saved.aurontek;
      (AIAAS_CONFIG as any).production = saved.aiaas;
    }
  });

  test('a second renderer of aiaas\'s issuer on lke is one owner too many', () => {
    const saved = AIAAS_CONFIG.staging;
    try {
      const findings = renderAll(() => {
        (AIAAS_CONFIG as any).staging = { ...saved, renderClusterIssuer: AIAAS_CONFIG.production.renderClusterIssuer };
      });
      expect(findings.map((f) => `${f.rule} ${f.platform}/${f.environment} ${f.kind} ${f.name}: ${f.message}`)).toEqual([
        'cluster/one-owner aiaas/production ClusterIssuer letsencrypt-prod: ClusterIssuer letsencrypt-prod is also rendered by aiaas/staging; Argo CD sends both to cluster lke, where two Applications would fight over it',
      ]);
    } finally {
      (AIAAS_CONFIG as any).staging = saved;
    }
  });
});
