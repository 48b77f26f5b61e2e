import { Provider } from '../../lib/addons/catalog';

/** What the add-ons layer needs to know about a destination cluster beyond what its objects say. */
export interface ClusterSettings {
  /** Who runs the cluster; decides what the provider installs itself. */
  readonly provider: Provider;
  /** Install Loki and Grafana Alloy (log aggregation). @default false */
  readonly logs?: boolean;
}

/**
 * Per Argo CD cluster name (`in-cluster` for the cluster Argo CD runs in), by the clouds the architecture names:
 * connectors on GKE Autopilot, expense-tracker on EKS, aiaas on Linode LKE; the others are plain clusters.
 * Loki runs for aiaas (the architecture's aiaas-lke.md lists Loki with Prometheus and Grafana as cluster components).
 */
export const CLUSTERS: Readonly<Record<string, ClusterSettings>> = {
  'gke-staging': { provider: 'gke' },
  'gke-production': { provider: 'gke' },
  'eks-staging': { provider: 'eks' },
  'eks-production': { provider: 'eks' },
  'lke': { provider: 'lke', logs: true },
};

/** Settings of a cluster not listed in {@link CLUSTERS}. */
export const DEFAULT_CLUSTER: ClusterSettings = { provider: 'generic' };

/** Sync waves in the root Application: add-on projects, then CRD-providing add-ons, then their users, then platforms (wave 0). */
export const ADDON_WAVES = {
  /** The add-ons' AppProjects. */
  project: -10,
  /** An add-on that waits for no other add-on. */
  first: -9,
  /** Per add-on it waits for, one wave later. */
  step: 1,
  /** The cluster-level objects of `dist/addons/<cluster>/` (GatewayClass), after every add-on. */
  clusterObjects: -3,
} as const;
