import { ClusterDestination, IN_CLUSTER_SERVER } from '../../lib/argocd-application';

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
  /** Sync every change automatically with prune and self-heal; false means a person syncs (production). */
  readonly automatedSync: boolean;
}

const base = {
  // The repository of this project; Argo CD needs read access to it (a repository Secret in the argocd namespace).
  repoUrl: 'https://github.com/example-org/platform-manifests.git',
  targetRevision: 'dist',
  argocdNamespace: 'argocd',
  argocdCluster: { server: IN_CLUSTER_SERVER },
  automatedSync: true,
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
  // The architecture asks for manual syncs in production (aiaas-lke.md, "Deployment Process").
  production: {
    ...base,
    cluster: { name: 'production' },
    automatedSync: false,
    platformClusters: { 'connectors': { name: 'gke-production' }, 'expense-tracker': { name: 'eks-production' }, 'aiaas': { name: 'lke' } },
  },
};

/** Apply order of the environments, used to list them deterministically. */
export const ENVIRONMENT_ORDER: readonly ArgoCdEnvironmentName[] = ['development', 'test', 'staging', 'production'];
