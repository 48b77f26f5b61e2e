import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { AppProject } from '../../imports/argocd-appproject-argoproj.io';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import { GatewayClass } from '../../imports/gateway-api-gatewayclass-gateway.networking.k8s.io';
import { ADDONS, AddOnContext, AddOnName } from '../../lib/addons/catalog';
import { ClusterAddOns, deriveAddOns, ENVOY_GATEWAY_CLASS, ENVOY_GATEWAY_CONTROLLER, UnprovidedKindError } from '../../lib/addons/derive';
import { HelmApplication } from '../../lib/addons/helm-application';
import { ArgoCdApplication, ClusterDestination, IN_CLUSTER_SERVER } from '../../lib/delivery/argocd-application';
import { GroupKind } from '../../lib/delivery/argocd-project';
import { PlatformChart } from '../../lib/core/platform-chart';
import { setSyncWave } from '../../lib/core/sync-wave';
import type { ArgoCdEnvironment } from '../argocd/config';
import { PlatformDefinition, platformObjects } from '../platform';
import { ADDON_WAVES, CLUSTERS, ClusterSettings, DEFAULT_CLUSTER } from './config';

export * from './config';

/** Name under `dist/` of the per-cluster objects the add-ons layer renders (`dist/addons/<cluster>/`). */
export const ADDONS_PLATFORM = 'addons';

/** One destination cluster and the platform × environments deployed to it. */
export interface ClusterUse {
  /** Argo CD cluster name, `in-cluster` for the cluster Argo CD runs in. */
  readonly key: string;
  readonly destination: ClusterDestination;
  readonly settings: ClusterSettings;
  /** `[platform, environment]` pairs deployed to the cluster, sorted. */
  readonly uses: readonly (readonly [string, string])[];
  /**
   * The environment whose root Application installs the cluster's add-ons: the last one in environment order (on a
   * cluster shared by development and production, add-on changes follow production's sync policy).
   */
  readonly owner: string;
}

/** A stable key for a cluster destination. */
export function clusterKeyOf(destination: ClusterDestination): string {
  if (destination.name !== undefined) return destination.name;
  if (destination.server === IN_CLUSTER_SERVER) return 'in-cluster';
  return (destination.server ?? '').replace(/^https:\/\//, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

/** Every destination cluster of `platforms` in `environments` (in the given order), with its owner environment. */
export function clusterUses(
  platforms: readonly PlatformDefinition<any>[],
  environmentOrder: readonly string[],
  environments: Readonly<Record<string, ArgoCdEnvironment>>,
): ClusterUse[] {
  const byKey = new Map<string, { destination: ClusterDestination; uses: [string, string][]; owner: string }>();
  for (const environment of environmentOrder) {
    const config = environments[environment];
    if (!config) continue;
    for (const p of platforms) {
      if (!p.environments.includes(environment)) continue;
      const destination = config.platformClusters?.[p.name] ?? config.cluster;
      const key = clusterKeyOf(destination);
      const entry = byKey.get(key) ?? { destination, uses: [], owner: environment };
      entry.uses.push([p.name, environment]);
      entry.owner = environment;
      byKey.set(key, entry);
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => cmp(a, b)).map(([key, e]) => ({
    key, destination: e.destination, settings: CLUSTERS[key] ?? DEFAULT_CLUSTER, uses: e.uses.sort((a, b) => cmp(a.join('/'), b.join('/'))), owner: e.owner,
  }));
}

/** Derives the add-ons of one cluster from everything rendered for it. */
export function clusterAddOns(use: ClusterUse, platforms: readonly PlatformDefinition<any>[], app: App): ClusterAddOns {
  const objects = use.uses.flatMap(([platform, environment]) => {
    const definition = platforms.find((p) => p.name === platform)!;
    return platformObjects(definition, environment, app).objects.map((object) => ({ source: `${platform}/${environment}`, object }));
  });
  return deriveAddOns({ cluster: use.key, provider: use.settings.provider, logs: use.settings.logs, objects });
}

export interface AddOnsLayerProps {
  readonly environment: string;
  readonly config: ArgoCdEnvironment;
  /** Clusters whose add-ons this environment's root installs (their `owner` is `environment`), derived. */
  readonly clusters: readonly { readonly use: ClusterUse; readonly addOns: ClusterAddOns }[];
}

/** What the add-ons layer rendered for one cluster. */
export interface RenderedClusterAddOns {
  readonly cluster: string;
  readonly project: AppProject;
  readonly applications: ReadonlyMap<AddOnName, HelmApplication>;
  /** The Application syncing `dist/addons/<cluster>/`, when the cluster has cluster-level objects. */
  readonly clusterObjects?: ArgoCdApplication;
}

/**
 * The add-ons layer of one environment's root Application: per owned cluster an AppProject limited to the charts'
 * repositories, namespaces and kinds, and one Helm Application per add-on in a wave before the platforms.
 */
export class AddOnsLayer extends Construct {
  public readonly clusters: readonly RenderedClusterAddOns[];

  constructor(scope: Construct, id: string, props: AddOnsLayerProps) {
    super(scope, id);
    const argocd = props.config.argocdNamespace;
    this.clusters = props.clusters.map(({ use, addOns }) => {
      const selected = new Set(addOns.addOns);
      const ctx: AddOnContext = { cluster: use.key, provider: use.settings.provider, selected, gpuPlacement: addOns.gpuPlacement };
      const specs = addOns.addOns.map((n) => ADDONS[n]);
      const projectName = `addons-${use.key}`;
      const clusterKinds = new Map<string, GroupKind>([['/Namespace', { group: '', kind: 'Namespace' }]]);
      const namespacedKinds = new Map<string, GroupKind>();
      for (const s of specs) {
        for (const k of s.clusterKinds) clusterKinds.set(`${k.group}/${k.kind}`, k);
        for (const k of s.namespacedKinds) namespacedKinds.set(`${k.group}/${k.kind}`, k);
      }
      if (addOns.gatewayClass) clusterKinds.set('gateway.networking.k8s.io/GatewayClass', { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' });
      if (addOns.clusterIssuers.length > 0) clusterKinds.set('cert-manager.io/ClusterIssuer', { group: 'cert-manager.io', kind: 'ClusterIssuer' });
      const hasClusterObjects = addOns.gatewayClass || addOns.clusterIssuers.length > 0;
      const repos = new Set(specs.map((s) => s.chart.repoUrl));
      if (hasClusterObjects) repos.add(props.config.repoUrl);
      const project = new AppProject(this, `${use.key}-project`, {
        metadata: { name: projectName, namespace: argocd },
        spec: {
          description: `Add-ons of cluster ${use.key} (${use.settings.provider}), derived from what its platforms render`,
          sourceRepos: [...repos].sort(),
          destinations: [...new Set(specs.map((s) => s.namespace))].sort().map((namespace) => ({ ...use.destination, namespace })),
          clusterResourceWhitelist: sortKinds([...clusterKinds.values()]),
          namespaceResourceWhitelist: sortKinds([...namespacedKinds.values()]),
        },
      });
      setSyncWave(project, ADDON_WAVES.project);
      const applications = new Map<AddOnName, HelmApplication>();
      for (const s of specs) {
        const app = new HelmApplication(this, `${use.key}-${s.name}`, {
          name: `${use.key}-${s.name}`,
          namespace: argocd,
          project: projectName,
          chart: s.chart,
          releaseName: s.name,
          values: s.values(ctx as any),
          cluster: use.destination,
          destinationNamespace: s.namespace,
          podSecurity: s.podSecurity,
          automatedSync: props.config.sync.automated,
          serverSideApply: s.serverSideApply,
        });
        setSyncWave(app, waveOf(s.name, ctx));
        applications.set(s.name, app);
      }
      let clusterObjects: ArgoCdApplication | undefined;
      if (hasClusterObjects) {
        clusterObjects = new ArgoCdApplication(this, `${use.key}-cluster-objects`, {
          name: `${use.key}-addons`,
          namespace: argocd,
          project: projectName,
          repoUrl: props.config.repoUrl,
          targetRevision: props.config.targetRevision,
          path: `${ADDONS_PLATFORM}/${use.key}`,
          cluster: use.destination,
          automatedSync: props.config.sync.automated,
        });
        setSyncWave(clusterObjects, ADDON_WAVES.clusterObjects);
      }
      return { cluster: use.key, project, applications, clusterObjects };
    });
  }
}

/** An add-on's sync wave: one step after the latest add-on it waits for. */
export function waveOf(name: AddOnName, ctx: AddOnContext): number {
  const depth = (n: AddOnName, seen: readonly AddOnName[]): number => {
    if (seen.includes(n)) throw new Error(`add-on dependency cycle: ${[...seen, n].join(' -> ')}`);
    const after = ADDONS[n].after(ctx as any).filter((a) => ctx.selected.has(a));
    return after.length === 0 ? 0 : 1 + Math.max(...after.map((a) => depth(a, [...seen, n])));
  };
  return ADDON_WAVES.first + ADDON_WAVES.step * depth(name, []);
}

/**
 * The cluster-level objects of one cluster, rendered into `dist/addons/<cluster>/` (the GatewayClass its Gateways
 * name, the ClusterIssuers its objects name that no platform renders), or undefined when the cluster needs none.
 */
export function buildClusterObjects(app: App, addOns: ClusterAddOns): PlatformChart | undefined {
  if (!addOns.gatewayClass && addOns.clusterIssuers.length === 0) return undefined;
  const chart = new PlatformChart(app, `${ADDONS_PLATFORM}-${addOns.cluster}`, { platform: ADDONS_PLATFORM, environment: addOns.cluster, namespace: 'default' });
  for (const issuer of addOns.clusterIssuers) {
    // Owned once per cluster: only an issuer that objects name and no platform on the cluster renders.
    new ClusterIssuer(chart, `issuer-${issuer.name}`, {
      metadata: { name: issuer.name },
      spec: { acme: { server: issuer.server, privateKeySecretRef: { name: `${issuer.name}-account-key` }, solvers: issuer.solvers as any } },
    });
  }
  if (!addOns.gatewayClass) return chart;
  new GatewayClass(chart, 'envoy-gateway', {
    metadata: { name: ENVOY_GATEWAY_CLASS },
    // Envoy Gateway reconciles GatewayClasses with this controllerName (GatewayControllerName, envoyproxy/gateway api/v1alpha1/envoygateway_types.go @ v1.9.0).
    spec: { controllerName: ENVOY_GATEWAY_CONTROLLER, description: 'Envoy Gateway, installed by the add-ons layer (lib/addons)' },
  });
  return chart;
}

/**
 * The hook the Argo CD chart calls for one environment: derives the add-ons of the clusters this environment owns
 * (failing on a kind no add-on provides), renders their cluster-level charts into `app`, and returns what
 * {@link AddOnsLayer} renders.
 */
export function addOnsOfEnvironment(
  app: App,
  environment: string,
  platforms: readonly PlatformDefinition<any>[],
  environmentOrder: readonly string[],
  environments: Readonly<Record<string, ArgoCdEnvironment>>,
): AddOnsLayerProps['clusters'] {
  const owned = clusterUses(platforms, environmentOrder, environments).filter((u) => u.owner === environment);
  const clusters = owned.map((use) => ({ use, addOns: clusterAddOns(use, platforms, app) }));
  const failing = clusters.filter((c) => c.addOns.unprovided.length > 0).map((c) => c.addOns);
  if (failing.length > 0) throw new UnprovidedKindError(failing);
  for (const c of clusters) buildClusterObjects(app, c.addOns);
  return clusters;
}

function sortKinds(list: readonly GroupKind[]): GroupKind[] {
  return [...list].sort((a, b) => cmp(a.group, b.group) || cmp(a.kind, b.kind));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
