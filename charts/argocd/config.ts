import { ClusterDestination, IN_CLUSTER_SERVER } from '../../lib/delivery/argocd-application';

/** Every environment any platform has; the Argo CD chart renders the ones that platforms use. */
export type ArgoCdEnvironmentName = 'development' | 'test' | 'staging' | 'production';

/** Where Argo CD reads from and deploys to in one environment. */
export interface ArgoCdEnvironment {
  /** Git repository whose `targetRevision` branch holds `dist/`. */
  readonly repoUrl: string;
  /** Branch Argo CD syncs; CI publishes the rendered `dist/` to it. */
  readonly targetRevision: string;
  /** Namespace Argo CD runs in and watches for Applications and AppProjects. */
  readonly argocdNamespace: string;
  /** Cluster Argo CD runs in, where the root Application puts the child Applications and AppProjects. */
  readonly argocdCluster: ClusterDestination;
  /** Cluster the environment's platforms are deployed to, unless `platformClusters` names another. */
  readonly cluster: ClusterDestination;
  /**
   * Platforms that run on a cluster of their own (they live on different clouds: connectors on GKE,
   * expense-tracker on EKS, aiaas on LKE), by platform name. Cluster names are those registered in Argo CD.
   */
  readonly platformClusters?: Readonly<Record<string, ClusterDestination>>;
  /** How the platforms' Applications sync, unless `platformSync` names the platform. */
  readonly sync: SyncPolicy;
  /** Per platform name, a sync policy of its own (production follows each platform's architecture document). */
  readonly platformSync?: Readonly<Record<string, SyncPolicy>>;
  /**
   * How the root Application syncs. It carries only Applications and AppProjects (no data), and a platform's
   * AppProject must follow its objects for that platform's own automatic sync to keep working, so it is automatic
   * everywhere; each platform's own policy still decides when its workloads change.
   */
  readonly rootSync: SyncPolicy;
}

/** How Argo CD syncs one Application, and why. */
export interface SyncPolicy {
  /** Sync every change in Git automatically (with prune); false means a person presses sync. */
  readonly automated: boolean;
  /** With `automated`, also revert changes made in the cluster (self-heal). Leave out when not automated. @default true */
  readonly selfHeal?: boolean;
  /** Where the policy comes from: the platform document that asks for it, or why it is the default. */
  readonly reason: string;
}

/** Sync on every change and revert drift: what every environment but production does. */
const AUTOMATED: SyncPolicy = { automated: true, selfHeal: true, reason: 'non-production environments follow Git automatically' };

const base = {
  // The repository of this project; Argo CD needs read access to it (a repository Secret in the argocd namespace).
  repoUrl: 'https://github.com/example-org/platform-manifests.git',
  targetRevision: 'dist',
  argocdNamespace: 'argocd',
  argocdCluster: { server: IN_CLUSTER_SERVER },
  sync: AUTOMATED,
  rootSync: { automated: true, selfHeal: true, reason: 'the root holds only Applications and AppProjects; each platform\'s policy decides when its workloads change' },
} satisfies Partial<ArgoCdEnvironment>;

/** Per environment, only what differs from `base`. */
export const ENVIRONMENTS: Readonly<Record<ArgoCdEnvironmentName, ArgoCdEnvironment>> = {
  // Development shares the cluster Argo CD runs in.
  development: { ...base, cluster: { server: IN_CLUSTER_SERVER }, platformClusters: { aiaas: { name: 'lke' } } },
  test: { ...base, cluster: { name: 'test' } },
  staging: {
    ...base,
    cluster: { name: 'staging' },
    platformClusters: { 'connectors': { name: 'gke-staging' }, 'expense-tracker': { name: 'eks-staging' }, 'aiaas': { name: 'lke' } },
  },
  // Production follows each platform's architecture document (the documents are the seed of this repo):
  production: {
    ...base,
    cluster: { name: 'production' },
    // connectors-gke.md and aurontek.md say nothing about how Argo CD syncs (aurontek's document deploys by CI to
    // EC2, connectors' by Helm): without an owner's decision, production stays manual, so a person reviews the
    // `npm run diff` output and presses sync.
    sync: { automated: false, reason: 'the platform document is silent on syncing; production defaults to a person pressing sync' },
    platformSync: {
      // aroti.md, "7. ArgoCD", Configuration: "Auto-sync enabled", "Self-healing enabled".
      'aroti': { automated: true, selfHeal: true, reason: 'aroti.md, ArgoCD configuration: auto-sync and self-healing enabled' },
      // expense-tracker-eks.md: "GitOps Operator | ArgoCD | Auto-sync enabled" and "Updates: Automatic on Git push";
      // it does not ask for self-heal, so a hand fix in the cluster stays until the next change in Git.
      'expense-tracker': { automated: true, selfHeal: false, reason: 'expense-tracker-eks.md: ArgoCD auto-sync enabled, updates automatic on Git push' },
      // aiaas-lke.md, "Application Changes": "Sync: ArgoCD syncs changes (manual for production)".
      'aiaas': { automated: false, reason: 'aiaas-lke.md, Application Changes: ArgoCD syncs changes manually in production' },
    },
    platformClusters: { 'connectors': { name: 'gke-production' }, 'expense-tracker': { name: 'eks-production' }, 'aiaas': { name: 'lke' } },
  },
};

/** Apply order of the environments, used to list them deterministically. */
export const ENVIRONMENT_ORDER: readonly ArgoCdEnvironmentName[] = ['development', 'test', 'staging', 'production'];
