import { ApiObject, App } from 'cdk8s';
import { buildApp } from '../charts';
import { ADDONS_PLATFORM, clusterUses } from '../charts/addons';
import { ArgoCdChart, ArgoCdEnvironment, argocdPlatform, ENVIRONMENT_ORDER, ENVIRONMENTS } from '../charts/argocd';
import { PLATFORMS } from '../charts';
import { PlatformDefinition } from '../charts/platform';
import { ADDON_NAMES, ADDONS, AddOnName } from '../lib/addons/catalog';
import { deriveAddOns, ClusterObjects, groupOf, UnprovidedKindError } from '../lib/addons/derive';
import { EXACT_VERSION, HelmApplication } from '../lib/addons/helm-application';
import { PlatformChart } from '../lib';
import { renderChart } from '../lib/render/synth';
import { addOnsMarkdown, clusterPictures, topologyMarkdown } from '../lib/topology';
import { testChart } from './util';

const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
const waveOf = (o: any) => Number(o.metadata.annotations?.[SYNC_WAVE] ?? 0);

const ingress = (name: string, cls: string | undefined, annotations: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'app', annotations }, spec: { ingressClassName: cls, rules: [] },
});
const gateway = (name: string, cls: string) => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace: 'edge' }, spec: { gatewayClassName: cls, listeners: [] },
});
const route = (name: string, parent: string, parentNamespace = 'edge') => ({
  apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'app' },
  spec: { parentRefs: [{ name: parent, namespace: parentNamespace }], rules: [] },
});
const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: 'app' }, spec: {} };
const derive = (provider: ClusterObjects['provider'], objects: any[], logs = false) =>
  deriveAddOns({ cluster: 'c1', provider, logs, objects: objects.map((object) => ({ source: 'shop/staging', object })) });

describe('deriving add-ons from rendered objects', () => {
  test('an Ingress of class nginx needs ingress-nginx; its cert-manager annotation needs cert-manager', () => {
    const r = derive('generic', [ingress('web', 'nginx', { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' })]);
    expect(r.addOns).toEqual(['cert-manager', 'ingress-nginx']);
    expect(r.gatewayClass).toBe(false);
    expect(r.reasons.find((x) => x.addOn === 'ingress-nginx')?.because).toBe('shop/staging Ingress app/web: Ingress class "nginx"');
  });

  test('HTTPRoutes on an envoy-gateway Gateway need Envoy Gateway and the GatewayClass, and no ingress-nginx', () => {
    const r = derive('lke', [gateway('public', 'envoy-gateway'), route('api', 'public')]);
    expect(r.addOns).toEqual(['envoy-gateway']);
    expect(r.gatewayClass).toBe(true);
    expect(r.unprovided).toEqual([]);
  });

  test('a cluster with both (the migration window) gets both controllers', () => {
    const r = derive('generic', [gateway('public', 'envoy-gateway'), route('api', 'public'), ingress('web', 'nginx')]);
    expect(r.addOns).toEqual(['envoy-gateway', 'ingress-nginx']);
  });

  test('GKE serves its own Ingress class, Gateway classes, BackendConfig and ManagedCertificate, metrics-server and GPU plugin', () => {
    const r = derive('gke', [
      ingress('web', 'gce'), gateway('public', 'gke-l7-global-external-managed'), route('api', 'public'), hpa,
      { apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', metadata: { name: 'b', namespace: 'app' } },
      { apiVersion: 'networking.gke.io/v1', kind: 'ManagedCertificate', metadata: { name: 'm', namespace: 'app' } },
    ]);
    expect(r.addOns).toEqual([]);
    expect(r.unprovided).toEqual([]);
  });

  test('kinds map to the add-on that ships their CRD', () => {
    const r = derive('eks', [
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 's', namespace: 'app' } },
      { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: 'app' } },
      { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 's', namespace: 'app' } },
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's', namespace: 'app' } },
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' } },
      hpa,
    ]);
    expect(r.addOns).toEqual(['kube-prometheus-stack', 'cert-manager', 'sealed-secrets', 'external-secrets', 'keda', 'metrics-server']);
  });

  test('logs add Loki and Alloy; a GPU pod on LKE adds the device plugin on the GPU pods\' nodes', () => {
    const gpu = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'vllm', namespace: 'system' },
      spec: { template: { spec: {
        nodeSelector: { 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-1' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [{ name: 'vllm', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
      } } },
    };
    const r = derive('lke', [gpu], true);
    expect(r.addOns).toEqual(['loki', 'alloy', 'nvidia-device-plugin']);
    expect(r.gpuPlacement.nodeSelectors).toEqual([{ 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-1' }]);
    expect(derive('gke', [gpu]).addOns).toEqual([]);
  });

  test('a ClusterIssuer named but not rendered on the cluster is rendered once, solving HTTP-01 through the edge that names it', () => {
    const r = derive('generic', [
      ingress('web', 'nginx', { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }),
      { ...gateway('public', 'envoy-gateway'), metadata: { name: 'public', namespace: 'edge', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } } },
    ]);
    expect(r.clusterIssuers).toEqual([{
      name: 'letsencrypt-prod',
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      solvers: [
        { http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'edge' }] } } },
        { http01: { ingress: { ingressClassName: 'nginx' } } },
      ],
    }]);
    // A platform that renders the issuer owns it.
    const owned = derive('generic', [ingress('web', 'nginx', { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' }),
      { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt-prod' }, spec: {} }]);
    expect(owned.clusterIssuers).toEqual([]);
    // An issuer name with no known ACME directory is a finding.
    expect(derive('generic', [ingress('web', 'nginx', { 'cert-manager.io/cluster-issuer': 'corp-ca' })]).unprovided.join('\n'))
      .toMatch(/ClusterIssuer "corp-ca" is named but not rendered/);
  });

  test.each([
    ['a kind from no add-on', [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' } }], /kind Widget \(example.com\) is served by no add-on/],
    ['an Ingress class nothing serves', [ingress('web', 'traefik')], /Ingress class "traefik" has no controller on generic/],
    ['a GatewayClass nothing implements', [gateway('public', 'istio')], /GatewayClass "istio" has no implementation/],
    ['an HTTPRoute whose Gateway is not rendered', [route('api', 'missing')], /parent Gateway edge\/missing is not rendered/],
    ['GKE-only kinds elsewhere', [{ apiVersion: 'cloud.google.com/v1', kind: 'BackendConfig', metadata: { name: 'b', namespace: 'app' } }], /BackendConfig \(cloud.google.com\) is served by no add-on/],
    ['a storage provisioner the provider lacks', [{ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com' }], /provisioner "ebs.csi.aws.com" is not installed on generic/],
  ])('%s is a finding', (_what, objects, message) => {
    const r = derive('generic', objects as any[]);
    expect(r.unprovided.join('\n')).toMatch(message);
  });
});

describe('the add-ons layer in the Argo CD chart', () => {
  const REPO = 'https://git.example.com/platform-manifests.git';
  const cfg = (cluster: ArgoCdEnvironment['cluster'], automatedSync: boolean): ArgoCdEnvironment => ({
    repoUrl: REPO, targetRevision: 'dist', argocdNamespace: 'argocd', argocdCluster: { server: 'https://kubernetes.default.svc' }, cluster,
    sync: { automated: automatedSync, reason: 'test fixture' }, rootSync: { automated: true, reason: 'test fixture' },
  });
  const fixture = (name: string, environments: string[], objects: any[]): PlatformDefinition<string> => ({
    name,
    environments,
    build(app: App, environment: string) {
      const chart = new PlatformChart(app, `${name}-${environment}`, { platform: name, environment, namespace: 'app' });
      objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
      return chart;
    },
  });

  test('a platform using a kind no add-on provides fails the build, naming the object and the fix', () => {
    const registry: PlatformDefinition<any>[] = [];
    const argocd = argocdPlatform(() => registry, { staging: cfg({ name: 'staging' }, true) });
    registry.push(fixture('lab', ['staging'], [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app' }, spec: {} }]), argocd);
    expect(() => argocd.build(new App(), 'staging')).toThrow(UnprovidedKindError);
    expect(() => argocd.build(new App(), 'staging')).toThrow(/cluster staging \(generic\): lab\/staging Widget app\/w: kind Widget \(example.com\) is served by no add-on.*lib\/addons\/catalog.ts/s);
  });

  test('a cluster shared by two environments gets its add-ons once, from the later environment, derived from both', () => {
    const registry: PlatformDefinition<any>[] = [];
    const shared = { name: 'shared' };
    const argocd = argocdPlatform(() => registry, { staging: cfg(shared, true), production: cfg(shared, false) });
    registry.push(
      fixture('a', ['staging'], [ingress('web', 'nginx')]),
      fixture('b', ['production'], [gateway('public', 'envoy-gateway'), route('api', 'public')]),
      argocd,
    );
    const staging = argocd.build(new App(), 'staging') as ArgoCdChart;
    expect(staging.addOns.clusters).toEqual([]);
    const app = new App();
    const production = argocd.build(app, 'production') as ArgoCdChart;
    expect(production.addOns.clusters.map((c) => [...c.applications.keys()])).toEqual([['envoy-gateway', 'ingress-nginx']]);
    const helm = production.toJson().filter((o) => o.kind === 'Application' && o.spec.project === 'addons-shared');
    // Production syncs by hand; so do the add-ons of its cluster.
    expect(helm.every((o) => o.spec.syncPolicy.automated === undefined)).toBe(true);
    // The GatewayClass the Gateways name, in dist/addons/shared/, synced after the add-on that serves it.
    const objects = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).filter((c) => c.platform === ADDONS_PLATFORM).flatMap((c) => c.toJson());
    expect(objects).toEqual([expect.objectContaining({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: expect.objectContaining({ name: 'envoy-gateway' }),
      spec: expect.objectContaining({ controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' }),
    })]);
    for (const c of app.charts.filter((x): x is PlatformChart => x instanceof PlatformChart).filter((x) => x.platform === ADDONS_PLATFORM)) {
      expect(renderChart(c).findings).toEqual([]);
    }
    const clusterApp = production.toJson().find((o) => o.kind === 'Application' && o.metadata.name === 'shared-addons');
    expect(clusterApp.spec.source.path).toBe('addons/shared');
    const envoy = helm.find((o) => o.metadata.name === 'shared-envoy-gateway');
    expect(waveOf(clusterApp)).toBeGreaterThan(waveOf(envoy));
    expect(envoy.spec.source).toEqual(expect.objectContaining({ repoURL: 'registry-1.docker.io/envoyproxy', chart: 'gateway-helm', targetRevision: 'v1.9.0' }));
    expect(envoy.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  test('a Helm Application refuses a version range', () => {
    const chart = testChart();
    expect(() => new HelmApplication(chart, 'x', {
      name: 'x', namespace: 'argocd', project: 'p', chart: { ...ADDONS['cert-manager'].chart, version: '^1.21.0' }, values: {},
      cluster: { name: 'c' }, destinationNamespace: 'cert-manager', podSecurity: 'restricted', automatedSync: true, serverSideApply: false,
    })).toThrow(/invalid chart.version \("\^1.21.0"\): must be an exact chart version/);
  });
});

describe('every cluster of the real platforms', () => {
  const app = new App();
  buildApp(app);
  const argocdCharts = app.charts.filter((c): c is ArgoCdChart => c instanceof ArgoCdChart && (c as ArgoCdChart).platform === 'argocd');
  const all = argocdCharts.flatMap((c) => c.toJson());
  const helmApps = all.filter((o) => o.kind === 'Application' && o.spec.source.chart !== undefined);
  const uses = clusterUses(PLATFORMS.filter((p) => p.name !== 'argocd'), ENVIRONMENT_ORDER, ENVIRONMENTS);
  const objectsOf = (platform: string, env: string) => app.charts
    .filter((c): c is PlatformChart => c instanceof PlatformChart).filter((c) => c.platform === platform && c.environment === env).flatMap((c) => c.toJson());

  test('the clusters and their add-ons', () => {
    const table = Object.fromEntries(uses.map((u) => [u.key, helmApps.filter((a) => a.spec.project === `addons-${u.key}`).map((a) => a.metadata.name.slice(u.key.length + 1)).sort()]));
    // Every platform ships a PrometheusRule and a dashboard (charts/observability.ts), so every cluster gets
    // kube-prometheus-stack.
    expect(table).toEqual({
      'eks-production': ['cert-manager', 'ingress-nginx', 'kube-prometheus-stack', 'metrics-server'],
      'eks-staging': ['cert-manager', 'envoy-gateway', 'kube-prometheus-stack', 'metrics-server'],
      'gke-production': ['external-secrets', 'kube-prometheus-stack'],
      'gke-staging': ['external-secrets', 'kube-prometheus-stack'],
      // aiaas development and staging are on Gateway API, production still on ingress-nginx: lke runs both until it switches.
      'lke': ['alloy', 'cert-manager', 'envoy-gateway', 'ingress-nginx', 'kube-prometheus-stack', 'loki', 'metrics-server', 'nvidia-device-plugin', 'sealed-secrets'],
      'production': ['cert-manager', 'ingress-nginx', 'kube-prometheus-stack', 'metrics-server'],
      'staging': ['cert-manager', 'envoy-gateway', 'kube-prometheus-stack', 'metrics-server'],
      // aurontek's listener Certificate names a ClusterIssuer, so the test cluster gets cert-manager too.
      'test': ['cert-manager', 'envoy-gateway', 'kube-prometheus-stack'],
    });
  });

  test('every Helm source is pinned to an exact version and its values are an object', () => {
    expect(helmApps.length).toBeGreaterThan(0);
    for (const a of helmApps) {
      expect(a.spec.source.targetRevision).toMatch(EXACT_VERSION);
      expect(typeof a.spec.source.helm.valuesObject).toBe('object');
    }
  });

  test('every kind a platform uses on a cluster comes from an add-on of that cluster (or the provider), in an earlier wave', () => {
    for (const use of uses) {
      const mine = helmApps.filter((a) => a.spec.project === `addons-${use.key}`);
      const names = new Set(mine.map((a) => a.metadata.name.slice(use.key.length + 1) as AddOnName));
      for (const [platform, env] of use.uses) {
        const platformApp = all.find((o) => o.kind === 'Application' && o.metadata.name === `${platform}-${env}`);
        for (const o of objectsOf(platform, env)) {
          const group = groupOf(o.apiVersion);
          const provider = ADDON_NAMES.find((n) => ADDONS[n].provides.some((k) => k.group === group && k.kind === o.kind));
          if (!provider) continue;
          expect([use.key, platform, o.kind, names.has(provider)]).toEqual([use.key, platform, o.kind, true]);
          const addOnApp = mine.find((a) => a.metadata.name === `${use.key}-${provider}`);
          expect(waveOf(addOnApp)).toBeLessThan(waveOf(platformApp));
        }
      }
    }
  });

  test('CRD users sync after the chart that ships the CRD: ServiceMonitors of add-ons wait for kube-prometheus-stack', () => {
    const lke = helmApps.filter((a) => a.spec.project === 'addons-lke');
    const wave = (n: string) => waveOf(lke.find((a) => a.metadata.name === `lke-${n}`));
    expect(lke.find((a) => a.metadata.name === 'lke-cert-manager').spec.source.helm.valuesObject.prometheus.servicemonitor.enabled).toBe(true);
    expect(wave('cert-manager')).toBeGreaterThan(wave('kube-prometheus-stack'));
    expect(wave('alloy')).toBeGreaterThan(wave('loki'));
    // Without kube-prometheus-stack on the cluster, no chart renders a ServiceMonitor.
    const ctx = { cluster: 'c', provider: 'generic' as const, selected: new Set<AddOnName>(['cert-manager']), gpuPlacement: { nodeSelectors: [], tolerations: [] } };
    expect(ADDONS['cert-manager'].values(ctx).prometheus.servicemonitor.enabled).toBe(false);
    expect(ADDONS['ingress-nginx'].values(ctx).controller.metrics.serviceMonitor.enabled).toBe(false);
  });

  test('charts whose CRDs exceed the annotation limit apply server-side; the AppProject allows exactly the charts\' repos and namespaces', () => {
    const kps = helmApps.find((a) => a.metadata.name === 'lke-kube-prometheus-stack');
    expect(kps.spec.syncOptions ?? kps.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    const project = all.find((o) => o.kind === 'AppProject' && o.metadata.name === 'addons-lke');
    const lkeApps = helmApps.filter((a) => a.spec.project === 'addons-lke');
    // The charts' repositories, and this repository for dist/addons/lke/ (its GatewayClass).
    const inProject = all.filter((o) => o.kind === 'Application' && o.spec.project === 'addons-lke');
    expect(project.spec.sourceRepos).toEqual([...new Set(inProject.map((a) => a.spec.source.repoURL))].sort());
    expect(inProject.length).toBe(lkeApps.length + 1);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([...new Set(lkeApps.map((a) => a.spec.destination.namespace))].sort());
    expect(waveOf(project)).toBeLessThan(Math.min(...lkeApps.map(waveOf)));
  });

  test('the device plugin runs on the nodes vLLM is scheduled to; metrics-server on LKE skips kubelet TLS verification', () => {
    const nvidia = helmApps.find((a) => a.metadata.name === 'lke-nvidia-device-plugin').spec.source.helm.valuesObject;
    const vllm = objectsOf('aiaas', 'production').find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'vllm-openai');
    const [[key, value]] = Object.entries(vllm.spec.template.spec.nodeSelector);
    expect(nvidia.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toContainEqual({ matchExpressions: [{ key, operator: 'In', values: [value] }] });
    expect(helmApps.find((a) => a.metadata.name === 'lke-metrics-server').spec.source.helm.valuesObject.args).toEqual(['--kubelet-insecure-tls']);
    expect(helmApps.find((a) => a.metadata.name === 'eks-production-metrics-server').spec.source.helm.valuesObject.args).toEqual([]);
  });

  test('kube-prometheus-stack scrapes no managed control plane, and runs no node-exporter on GKE Autopilot', () => {
    const values = (name: string) => helmApps.find((a) => a.metadata.name === name).spec.source.helm.valuesObject;
    expect(values('gke-production-kube-prometheus-stack')).toEqual(expect.objectContaining({
      nodeExporter: { enabled: false }, kubeEtcd: { enabled: false }, kubeScheduler: { enabled: false }, kubeControllerManager: { enabled: false },
    }));
    expect(values('eks-production-kube-prometheus-stack').nodeExporter).toEqual({ enabled: true });
    expect(values('eks-production-kube-prometheus-stack').kubeEtcd).toEqual({ enabled: false });
    expect(values('production-kube-prometheus-stack').kubeEtcd).toEqual({ enabled: true });
  });

  test('dist/addons/<cluster>/ holds the cluster objects the layer owns: the envoy-gateway GatewayClass where Gateways use it', () => {
    const issuers = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).filter((c) => c.platform === ADDONS_PLATFORM)
      .flatMap((c) => c.toJson().map((o) => `${c.environment}/${o.kind}/${o.metadata.name}`)).sort();
    // Every ClusterIssuer an edge names is rendered by a platform on that cluster (the gate's cluster/* rules), so the
    // layer renders none; it would, for a cluster where none did (see the fixture tests above).
    expect(issuers).toEqual(['eks-staging/GatewayClass/envoy-gateway', 'lke/GatewayClass/envoy-gateway', 'staging/GatewayClass/envoy-gateway', 'test/GatewayClass/envoy-gateway']);
    const clusterApp = all.find((o) => o.kind === 'Application' && o.metadata.name === 'test-addons');
    expect(clusterApp.spec.source.path).toBe('addons/test');
    expect(waveOf(clusterApp)).toBeGreaterThan(waveOf(helmApps.find((a) => a.metadata.name === 'test-cert-manager')));
    for (const c of app.charts.filter((x): x is PlatformChart => x instanceof PlatformChart).filter((x) => x.platform === ADDONS_PLATFORM)) {
      expect(renderChart(c).findings).toEqual([]);
    }
  });

  test('the Argo CD charts with add-ons still pass the validation gate', () => {
    for (const c of argocdCharts) expect(renderChart(c).findings).toEqual([]);
  });
});

describe('topology pictures show each cluster\'s add-ons', () => {
  const app = new App();
  buildApp(app, { platforms: ['argocd'], environments: ['production'] });
  // PlatformChart's instanceof is by brand, so every platform chart passes `instanceof ArgoCdChart`: pick by name.
  const chart = app.charts.find((c): c is ArgoCdChart => c instanceof ArgoCdChart && (c as ArgoCdChart).platform === 'argocd')!;
  const rendered = renderChart(chart);
  const markdown = topologyMarkdown(rendered);
  const pictures = clusterPictures(rendered.files.map((f) => f.object));

  test('every add-on Application appears under its cluster, with chart, version and wave, before the platforms there', () => {
    expect(pictures.map((p) => p.cluster)).toEqual(['eks-production', 'gke-production', 'lke', 'production']);
    const lke = pictures.find((p) => p.cluster === 'lke')!;
    expect(lke.platforms.map((p) => p.name)).toEqual(['aiaas-production']);
    // dist/addons/lke/ (its GatewayClass) is drawn with the add-ons.
    expect(lke.addOns.find((a) => a.name === 'lke-addons')).toEqual(expect.objectContaining({ chart: 'addons/lke', wave: -3 }));
    expect(lke.addOns.map((a) => a.chart)).toContain('nvidia-device-plugin');
    expect(markdown).toContain('## Cluster add-ons');
    expect(markdown).toContain('| lke | lke-nvidia-device-plugin | nvidia-device-plugin | 0.20.0 | nvidia-device-plugin | -9 |');
    for (const p of pictures) for (const a of p.addOns) for (const pl of p.platforms) expect(a.wave).toBeLessThan(pl.wave);
  });

  // Each environment's add-ons diagram is parsed with mermaid in test/topology.test.ts, with every other diagram.
  test('a chart without Helm add-ons gets no section', () => {
    expect(addOnsMarkdown([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }])).toEqual([]);
  });
});
