import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { ApplicationSpecIgnoreDifferences } from '../../imports/argocd-application-argoproj.io';
import { ArgoCdApplication } from '../../lib/delivery/argocd-application';
import { ArgoCdProject, GroupKind } from '../../lib/delivery/argocd-project';
import { PropValidationError } from '../../lib/core/errors';
import { PlatformChart } from '../../lib/core/platform-chart';
import { setSyncWave } from '../../lib/core/sync-wave';
import { PlatformDefinition, platformObjects } from '../platform';
import { AddOnsLayer, AddOnsLayerProps, addOnsOfEnvironment } from '../addons';
import { ArgoCdEnvironment, ENVIRONMENT_ORDER, ENVIRONMENTS, SyncPolicy } from './config';

export * from './config';

/** Name of the Argo CD platform under `dist/`. */
export const ARGOCD_PLATFORM = 'argocd';

/**
 * Objects larger than this (as JSON) are applied server-side: client-side apply copies the whole object into the
 * `last-applied-configuration` annotation, and all annotations together may not exceed 256 KiB.
 */
export const SERVER_SIDE_APPLY_BYTES = 128 * 1024;

/** Kinds the root Application creates: the child Applications and their AppProjects. */
const ARGOCD_KINDS: readonly GroupKind[] = [{ group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'Application' }];

/** A workload whose replica count an autoscaler owns. */
export interface AutoscaledWorkload {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** What Argo CD needs to know about one platform in one environment, read from the objects the platform renders. */
export interface PlatformFacts {
  readonly platform: string;
  readonly environment: string;
  /** The platform chart's default namespace. */
  readonly defaultNamespace: string;
  /** Every namespace the platform's objects live in or that it renders, sorted. */
  readonly namespaces: readonly string[];
  /** Namespaces the platform renders as `Namespace` objects, sorted. */
  readonly renderedNamespaces: readonly string[];
  /** Cluster-scoped kinds the platform renders, sorted. */
  readonly clusterResources: readonly GroupKind[];
  /** Namespaced kinds the platform renders, sorted. */
  readonly namespaceResources: readonly GroupKind[];
  /** True when the platform renders a CustomResourceDefinition or an object over {@link SERVER_SIDE_APPLY_BYTES}. */
  readonly serverSideApply: boolean;
  /** HPA or KEDA targets that still render `spec.replicas` (Argo CD and the autoscaler would fight over it). */
  readonly autoscaledWithReplicas: readonly AutoscaledWorkload[];
}

/** Reads a platform's facts from its rendered objects (JSON, as written to `dist/`). Pure. */
export function factsOf(platform: string, environment: string, defaultNamespace: string, objects: readonly any[]): PlatformFacts {
  const namespaces = new Set<string>();
  const rendered = new Set<string>();
  const clusterKinds = new Map<string, GroupKind>();
  const namespacedKinds = new Map<string, GroupKind>();
  for (const o of objects) {
    const gk = { group: groupOf(o.apiVersion), kind: o.kind };
    const ns: string | undefined = o.metadata?.namespace;
    if (ns) {
      namespaces.add(ns);
      namespacedKinds.set(`${gk.group}/${gk.kind}`, gk);
    } else {
      // The validation gate requires a namespace on every namespaced object, so no namespace means cluster-scoped.
      clusterKinds.set(`${gk.group}/${gk.kind}`, gk);
    }
    if (o.kind === 'Namespace' && gk.group === '') {
      namespaces.add(o.metadata.name);
      rendered.add(o.metadata.name);
    }
  }
  return {
    platform,
    environment,
    defaultNamespace,
    namespaces: [...namespaces].sort(),
    renderedNamespaces: [...rendered].sort(),
    clusterResources: sortGroupKinds([...clusterKinds.values()]),
    namespaceResources: sortGroupKinds([...namespacedKinds.values()]),
    serverSideApply: objects.some((o) => o.kind === 'CustomResourceDefinition' || Buffer.byteLength(JSON.stringify(o)) > SERVER_SIDE_APPLY_BYTES),
    autoscaledWithReplicas: autoscaledWithReplicas(objects),
  };
}

/** Workloads targeted by an HPA or a KEDA ScaledObject that render `spec.replicas` anyway, sorted. */
export function autoscaledWithReplicas(objects: readonly any[]): AutoscaledWorkload[] {
  const found = new Map<string, AutoscaledWorkload>();
  for (const scaler of objects) {
    const isHpa = scaler.kind === 'HorizontalPodAutoscaler';
    const isKeda = scaler.kind === 'ScaledObject' && groupOf(scaler.apiVersion) === 'keda.sh';
    if (!isHpa && !isKeda) continue;
    const ref = scaler.spec?.scaleTargetRef ?? {};
    const kind: string = ref.kind ?? 'Deployment';
    const namespace: string = scaler.metadata?.namespace ?? '';
    const target = objects.find((o) => o.kind === kind && o.metadata?.name === ref.name && (o.metadata?.namespace ?? '') === namespace);
    if (target?.spec?.replicas !== undefined) {
      const w = { group: groupOf(target.apiVersion), kind, namespace, name: ref.name };
      found.set(`${kind}/${namespace}/${ref.name}`, w);
    }
  }
  return [...found.entries()].sort(([a], [b]) => cmp(a, b)).map(([, w]) => w);
}

/**
 * Reads one platform's facts for `environment` from its rendered objects (see `platformObjects`), so Argo CD's
 * projects follow whatever the platform renders without a second list to keep in step.
 */
export function readPlatformFacts(definition: PlatformDefinition<any>, environment: string, app: App = new App()): PlatformFacts {
  const { defaultNamespace, objects } = platformObjects(definition, environment, app);
  return factsOf(definition.name, environment, defaultNamespace, objects);
}

export interface ArgoCdChartProps {
  /** Environment the chart renders Argo CD objects for. */
  readonly environment: string;
  /** Repository, branch and clusters of the environment. */
  readonly config: ArgoCdEnvironment;
  /** The platforms that have this environment, each with the facts read from its objects. */
  readonly platforms: readonly PlatformFacts[];
  /** Add-ons of the clusters this environment's root installs (charts/addons). @default - none */
  readonly addOns?: AddOnsLayerProps['clusters'];
}

/**
 * The Argo CD objects of one environment, rendered into `dist/argocd/<environment>/`: a root Application
 * (app-of-apps) syncing that same directory, and per platform an AppProject limited to the platform's repository,
 * namespaces and kinds plus an Application syncing `dist/<platform>/<environment>/`.
 */
export class ArgoCdChart extends PlatformChart {
  /** The project of the root Application: it may create only Applications and AppProjects in Argo CD's namespace. */
  public readonly rootProject: ArgoCdProject;
  /** The root Application (app-of-apps). */
  public readonly root: ArgoCdApplication;
  /** Per platform name, its AppProject. */
  public readonly projects: ReadonlyMap<string, ArgoCdProject>;
  /** Per platform name, its Application. */
  public readonly applications: ReadonlyMap<string, ArgoCdApplication>;
  /** The add-ons of the clusters this environment owns. */
  public readonly addOns: AddOnsLayer;

  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    const { config, environment } = props;
    super(scope, id, { platform: ARGOCD_PLATFORM, environment, namespace: config.argocdNamespace });
    const argocd = config.argocdNamespace;
    const known = new Set(props.platforms.map((p) => p.platform));
    for (const name of Object.keys(config.platformSync ?? {}).sort()) {
      if (!known.has(name)) {
        throw new PropValidationError(`${ARGOCD_PLATFORM}/${environment}`, 'platformSync', name,
          `names no platform of this environment; known: ${[...known].sort().join(', ')}`);
      }
    }
    const policies: [string, SyncPolicy][] = [['sync', config.sync], ['rootSync', config.rootSync],
      ...Object.entries(config.platformSync ?? {}).map(([name, p]): [string, SyncPolicy] => [`platformSync.${name}`, p])];
    for (const [prop, policy] of policies) {
      if (!policy.automated && policy.selfHeal !== undefined) {
        throw new PropValidationError(`${ARGOCD_PLATFORM}/${environment}`, `${prop}.selfHeal`, policy.selfHeal,
          'self-heal is part of automated sync: set automated: true or leave selfHeal out');
      }
      if (policy.reason.trim().length === 0) {
        throw new PropValidationError(`${ARGOCD_PLATFORM}/${environment}`, `${prop}.reason`, policy.reason,
          'say where the policy comes from (the platform document, or why it is the default)');
      }
    }
    this.addExternalReference({ kind: 'Namespace', name: argocd, reason: 'created by the Argo CD installation, which runs in it' });

    this.rootProject = new ArgoCdProject(this, 'RootProject', {
      name: `${ARGOCD_PLATFORM}-${environment}`,
      namespace: argocd,
      description: `App-of-apps of ${environment}: the platforms' Applications and AppProjects`,
      sourceRepos: [config.repoUrl],
      cluster: config.argocdCluster,
      namespaces: [argocd],
      namespaceResources: ARGOCD_KINDS,
    });
    this.root = new ArgoCdApplication(this, 'Root', {
      name: `root-${environment}`,
      namespace: argocd,
      project: this.rootProject.name,
      repoUrl: config.repoUrl,
      targetRevision: config.targetRevision,
      path: `${ARGOCD_PLATFORM}/${environment}`,
      cluster: config.argocdCluster,
      destinationNamespace: argocd,
      ...syncProps(config.rootSync),
      // The Argo CD installation owns its namespace.
      createNamespace: false,
      // Deleting the root by mistake must not cascade into deleting every platform; a platform removed from the
      // registry is still pruned, through its own Application's finalizer.
      cascadeDelete: false,
    });
    // An Application naming a project that does not exist yet fails to sync: projects go one wave earlier.
    setSyncWave(this.rootProject, -1);

    const projects = new Map<string, ArgoCdProject>();
    const applications = new Map<string, ArgoCdApplication>();
    for (const facts of [...props.platforms].sort((a, b) => cmp(a.platform, b.platform))) {
      const name = `${facts.platform}-${environment}`;
      const cluster = config.platformClusters?.[facts.platform] ?? config.cluster;
      const project = new ArgoCdProject(this, `${facts.platform}-project`, {
        name,
        namespace: argocd,
        description: `${facts.platform} in ${environment}; namespaces and kinds read from its rendered objects`,
        sourceRepos: [config.repoUrl],
        cluster,
        namespaces: facts.namespaces,
        clusterResources: facts.clusterResources,
        namespaceResources: facts.namespaceResources,
      });
      setSyncWave(project, -1);
      const destinationNamespace = facts.namespaces.includes(facts.defaultNamespace) ? facts.defaultNamespace : facts.namespaces[0];
      const application = new ArgoCdApplication(this, facts.platform, {
        name,
        namespace: argocd,
        project: project.name,
        repoUrl: config.repoUrl,
        targetRevision: config.targetRevision,
        path: `${facts.platform}/${environment}`,
        cluster,
        destinationNamespace,
        ...syncProps(config.platformSync?.[facts.platform] ?? config.sync),
        // A namespace we render carries our Pod Security labels and policies; Argo CD must not create a bare one first.
        createNamespace: !facts.renderedNamespaces.includes(destinationNamespace),
        serverSideApply: facts.serverSideApply,
        ignoreDifferences: facts.autoscaledWithReplicas.map((w): ApplicationSpecIgnoreDifferences => ({
          group: w.group, kind: w.kind, namespace: w.namespace, name: w.name, jsonPointers: ['/spec/replicas'],
        })),
      });
      projects.set(facts.platform, project);
      applications.set(facts.platform, application);
    }
    this.projects = projects;
    this.applications = applications;
    // The add-ons layer (charts/addons): Helm Applications for the controllers the platforms' objects need.
    this.addOns = new AddOnsLayer(this, 'AddOns', { environment, config, clusters: props.addOns ?? [] });
  }
}

/** The Application props of a sync policy. */
function syncProps(policy: SyncPolicy): { automatedSync: boolean; selfHeal?: boolean } {
  return policy.automated ? { automatedSync: true, selfHeal: policy.selfHeal ?? true } : { automatedSync: false };
}

/** The environments of all `platforms`, in {@link ENVIRONMENT_ORDER} (unknown ones last, alphabetically). */
export function environmentsOf(platforms: readonly PlatformDefinition<any>[]): string[] {
  const all = new Set<string>(platforms.flatMap((p) => [...p.environments]));
  const rank = (e: string) => { const i = (ENVIRONMENT_ORDER as readonly string[]).indexOf(e); return i < 0 ? ENVIRONMENT_ORDER.length : i; };
  return [...all].sort((a, b) => rank(a) - rank(b) || cmp(a, b));
}

/**
 * The `argocd` platform: one chart per environment that any of `platforms()` has. `platforms` is read lazily, so
 * the registry can list this definition inside the array it describes; the `argocd` entry itself is skipped.
 */
export function argocdPlatform(
  platforms: () => readonly PlatformDefinition<any>[],
  environments: Readonly<Record<string, ArgoCdEnvironment>> = ENVIRONMENTS,
): PlatformDefinition<string> {
  const others = () => platforms().filter((p) => p.name !== ARGOCD_PLATFORM);
  return {
    name: ARGOCD_PLATFORM,
    get environments() {
      return environmentsOf(others());
    },
    build(app: App, environment: string): ArgoCdChart {
      const config = environments[environment];
      if (config === undefined) {
        throw new PropValidationError(`${ARGOCD_PLATFORM}/${environment}`, 'environment', environment,
          `a platform uses this environment but charts/argocd/config.ts has no entry for it; known: ${Object.keys(environments).join(', ')}`);
      }
      const facts = others().filter((p) => p.environments.includes(environment)).map((p) => readPlatformFacts(p, environment, app));
      const addOns = addOnsOfEnvironment(app, environment, others(), environmentsOf(others()), environments);
      return new ArgoCdChart(app, `${ARGOCD_PLATFORM}-${environment}`, { environment, config, platforms: facts, addOns });
    },
  };
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

function sortGroupKinds(list: readonly GroupKind[]): GroupKind[] {
  return [...list].sort((a, b) => cmp(a.group, b.group) || cmp(a.kind, b.kind));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
