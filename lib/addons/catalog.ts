import { GroupKind } from '../delivery/argocd-project';

/**
 * The cluster add-ons this repository installs, each from its upstream Helm chart at an exact version, with the
 * values we set typed per add-on. Versions were read from the upstream repositories at the tags named in each
 * entry's `source` (chart `Chart.yaml` and `values.yaml`), December 2026.
 */

/** Where a cluster runs; decides what the provider installs itself. */
export type Provider = 'gke' | 'eks' | 'lke' | 'generic';

/** Names of the add-ons in {@link ADDONS}. */
export type AddOnName =
  | 'kube-prometheus-stack' | 'cert-manager' | 'sealed-secrets' | 'external-secrets' | 'keda' | 'metrics-server'
  | 'envoy-gateway' | 'ingress-nginx' | 'loki' | 'alloy' | 'nvidia-device-plugin';

/** A Helm chart at an exact version. */
export interface HelmChartRef {
  /** Helm repository URL, or for an OCI registry `host/path` without scheme (Argo CD's form, with `enableOCI`). */
  readonly repoUrl: string;
  /** Chart name in the repository. */
  readonly chart: string;
  /** Exact chart version (full semver, never a range). */
  readonly version: string;
  /** True for an OCI registry (the Argo CD repository Secret needs `enableOCI: "true"`). */
  readonly oci?: boolean;
  /** Upstream file and tag the version and the values were checked against. */
  readonly source: string;
}

/** What the add-ons layer knows about the cluster when it computes an add-on's values. */
export interface AddOnContext {
  /** Cluster key (Argo CD cluster name). */
  readonly cluster: string;
  readonly provider: Provider;
  /** Add-ons selected for the same cluster (to enable ServiceMonitors only when the CRD is there). */
  readonly selected: ReadonlySet<AddOnName>;
  /** Pod placement of the workloads that request `nvidia.com/gpu` (for the device plugin). */
  readonly gpuPlacement: GpuPlacement;
}

/** Where GPU pods run, read from their pod templates. */
export interface GpuPlacement {
  /** The distinct node selectors of the GPU pods (a pod may land on a node matching any of them). */
  readonly nodeSelectors: readonly Readonly<Record<string, string>>[];
  readonly tolerations: readonly Toleration[];
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
}

/** One add-on: its chart, namespace, what it provides, how it is ordered and applied, and its values. */
export interface AddOnSpec<V> {
  readonly name: AddOnName;
  /** Namespace the release goes into (Argo CD creates it, with the Pod Security level below). */
  readonly namespace: string;
  /** Pod Security Standard of the namespace; `privileged` only where the add-on needs host access. */
  readonly podSecurity: 'restricted' | 'baseline' | 'privileged';
  readonly chart: HelmChartRef;
  /** CRD kinds the chart installs, so platforms may use them. */
  readonly provides: readonly GroupKind[];
  /** Add-ons that must be synced first (their CRDs are used by this chart's objects). */
  readonly after: (ctx: AddOnContext) => readonly AddOnName[];
  /** Apply server-side: the chart's CRDs exceed the 256 KiB last-applied annotation limit. */
  readonly serverSideApply: boolean;
  /** Cluster-scoped kinds the chart renders (for the AppProject). */
  readonly clusterKinds: readonly GroupKind[];
  /** Namespaced kinds the chart renders (for the AppProject). */
  readonly namespacedKinds: readonly GroupKind[];
  readonly values: (ctx: AddOnContext) => V;
}

const gk = (group: string, ...kinds: string[]): GroupKind[] => kinds.map((kind) => ({ group, kind }));
const CRD = gk('apiextensions.k8s.io', 'CustomResourceDefinition');
const RBAC_CLUSTER = gk('rbac.authorization.k8s.io', 'ClusterRole', 'ClusterRoleBinding');
const RBAC_NS = gk('rbac.authorization.k8s.io', 'Role', 'RoleBinding');
const WEBHOOKS = gk('admissionregistration.k8s.io', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration');
const CORE_NS = gk('', 'ConfigMap', 'Secret', 'Service', 'ServiceAccount');
const SERVICE_MONITOR = gk('monitoring.coreos.com', 'ServiceMonitor');
const when = (ctx: AddOnContext, name: AddOnName): AddOnName[] => (ctx.selected.has(name) ? [name] : []);

// ---- values, one interface per add-on: only what we set, the rest is the chart's default ----

/** cert-manager chart values (jetstack/cert-manager deploy/charts/cert-manager/values.yaml @ v1.21.1). */
export interface CertManagerValues {
  /** The chart installs the CRDs and keeps them on uninstall, so Certificates survive a chart removal. */
  readonly crds: { readonly enabled: boolean; readonly keep: boolean };
  readonly replicaCount: number;
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
  readonly prometheus: { readonly enabled: boolean; readonly servicemonitor: { readonly enabled: boolean } };
}

/** kube-prometheus-stack chart values (charts/kube-prometheus-stack/values.yaml @ kube-prometheus-stack-88.5.3). */
export interface KubePrometheusStackValues {
  readonly crds: { readonly enabled: boolean };
  /**
   * Scrape the control plane only where we run it: GKE, EKS and LKE manage it and expose no etcd, scheduler or
   * controller-manager endpoints, so those targets would only be down forever (and fire TargetDown).
   */
  readonly kubeControllerManager: { readonly enabled: boolean };
  readonly kubeScheduler: { readonly enabled: boolean };
  readonly kubeEtcd: { readonly enabled: boolean };
  /** node-exporter needs host PID, network and paths, which GKE Autopilot forbids. */
  readonly nodeExporter: { readonly enabled: boolean };
  readonly prometheus: {
    readonly prometheusSpec: {
      /** false: select the ServiceMonitors, PodMonitors and PrometheusRules of every release and namespace. */
      readonly serviceMonitorSelectorNilUsesHelmValues: boolean;
      readonly podMonitorSelectorNilUsesHelmValues: boolean;
      readonly ruleSelectorNilUsesHelmValues: boolean;
      readonly retention: string;
    };
  };
  readonly grafana: {
    readonly sidecar: {
      /** Dashboards are ConfigMaps labelled `grafana_dashboard: "1"` in any namespace (lib/addons/dashboards.ts). */
      readonly dashboards: { readonly enabled: boolean; readonly label: string; readonly labelValue: string; readonly searchNamespace: string };
    };
  };
}

/** sealed-secrets chart values (helm/sealed-secrets/values.yaml @ helm-v2.18.5). */
export interface SealedSecretsValues {
  /** kubeseal looks for `sealed-secrets-controller` in kube-system by default. */
  readonly fullnameOverride: string;
  readonly metrics: { readonly serviceMonitor: { readonly enabled: boolean } };
}

/** external-secrets chart values (deploy/charts/external-secrets/values.yaml @ helm-chart-2.9.0). */
export interface ExternalSecretsValues {
  readonly installCRDs: boolean;
  readonly replicaCount: number;
  readonly serviceMonitor: { readonly enabled: boolean };
}

/** keda chart values (keda/values.yaml @ kedacore/charts v2.20.2). */
export interface KedaValues {
  readonly crds: { readonly install: boolean };
  readonly prometheus: { readonly operator: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } } };
}

/** metrics-server chart values (charts/metrics-server/values.yaml @ metrics-server-helm-chart-3.13.1). */
export interface MetricsServerValues {
  readonly replicas: number;
  /** Added to the chart's `defaultArgs`. */
  readonly args: readonly string[];
  readonly podDisruptionBudget: { readonly enabled: boolean; readonly minAvailable: number };
}

/** gateway-helm chart values (charts/gateway-helm/values.tmpl.yaml @ envoyproxy/gateway v1.9.0). */
export interface EnvoyGatewayValues {
  /** The chart installs the Gateway API (standard channel) and Envoy Gateway CRDs. */
  readonly crds: { readonly enabled: boolean };
  readonly deployment: { readonly replicas: number };
  readonly podDisruptionBudget: { readonly minAvailable: number };
}

/** ingress-nginx chart values (charts/ingress-nginx/values.yaml @ helm-chart-4.15.1). */
export interface IngressNginxValues {
  readonly controller: {
    readonly replicaCount: number;
    /** The IngressClass the platforms' Ingresses name. */
    readonly ingressClassResource: { readonly name: string; readonly default: boolean };
    readonly allowSnippetAnnotations: boolean;
    readonly metrics: { readonly enabled: boolean; readonly serviceMonitor: { readonly enabled: boolean } };
  };
}

/** loki chart values (production/helm/loki/values.yaml @ grafana/loki helm-loki-7.3.0). */
export interface LokiValues {
  /** One process with its index and chunks on a PersistentVolume: aiaas's log volume needs no object store. */
  readonly deploymentMode: 'SingleBinary';
  readonly loki: {
    readonly auth_enabled: boolean;
    readonly commonConfig: { readonly replication_factor: number };
    readonly storage: { readonly type: 'filesystem' };
    readonly schemaConfig: { readonly configs: readonly Record<string, unknown>[] };
    readonly limits_config: { readonly retention_period: string };
    readonly compactor: { readonly retention_enabled: boolean; readonly delete_request_store: string };
    /** Merged into the chart's pod security context, which sets no seccomp profile: the "restricted" namespace needs one. */
    readonly podSecurityContext: { readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  };
  readonly singleBinary: { readonly replicas: number; readonly persistence: { readonly size: string } };
  readonly read: { readonly replicas: number };
  readonly write: { readonly replicas: number };
  readonly backend: { readonly replicas: number };
  readonly chunksCache: { readonly enabled: boolean };
  readonly resultsCache: { readonly enabled: boolean };
  readonly lokiCanary: { readonly enabled: boolean };
  readonly test: { readonly enabled: boolean };
  readonly minio: { readonly enabled: boolean };
}

/** alloy chart values (operations/helm/charts/alloy/values.yaml @ grafana/alloy helm-chart/1.11.1). */
export interface AlloyValues {
  readonly alloy: { readonly configMap: { readonly content: string }; readonly mounts: { readonly varlog: boolean } };
  /**
   * One Deployment replica: `loki.source.kubernetes` tails logs through the API server, so it sees every pod
   * without host mounts; a DaemonSet (the chart's default) would ship each line once per node.
   */
  readonly controller: { readonly type: 'deployment'; readonly replicas: number };
}

/** nvidia-device-plugin chart values (deployments/helm/nvidia-device-plugin/values.yaml @ NVIDIA/k8s-device-plugin v0.20.0). */
export interface NvidiaDevicePluginValues {
  /**
   * Node affinity matching any GPU pod's node selector: the chart's default affinity needs Node Feature Discovery
   * labels (`feature.node.kubernetes.io/pci-10de.present`, `nvidia.com/gpu.present`) that LKE nodes lack.
   */
  readonly affinity: { readonly nodeAffinity?: { readonly requiredDuringSchedulingIgnoredDuringExecution: { readonly nodeSelectorTerms: readonly { readonly matchExpressions: readonly { readonly key: string; readonly operator: 'In'; readonly values: readonly string[] }[] }[] } } };
  readonly tolerations: readonly Toleration[];
}

/** Loki's in-cluster push endpoint (SingleBinary mode: Service `loki` on port 3100). */
export const LOKI_PUSH_URL = 'http://loki.loki.svc.cluster.local:3100/loki/api/v1/push';

/** Alloy pipeline: every pod's log lines, labelled with namespace, pod and container, pushed to Loki. */
export const ALLOY_CONFIG = [
  'discovery.kubernetes "pods" {',
  '  role = "pod"',
  '}',
  'discovery.relabel "pods" {',
  '  targets = discovery.kubernetes.pods.targets',
  '  rule {',
  '    source_labels = ["__meta_kubernetes_namespace"]',
  '    target_label  = "namespace"',
  '  }',
  '  rule {',
  '    source_labels = ["__meta_kubernetes_pod_name"]',
  '    target_label  = "pod"',
  '  }',
  '  rule {',
  '    source_labels = ["__meta_kubernetes_pod_container_name"]',
  '    target_label  = "container"',
  '  }',
  '}',
  'loki.source.kubernetes "pods" {',
  '  targets    = discovery.relabel.pods.output',
  '  forward_to = [loki.write.default.receiver]',
  '}',
  'loki.write "default" {',
  '  endpoint {',
  `    url = "${LOKI_PUSH_URL}"`,
  '  }',
  '}',
  '',
].join('\n');

export interface AddOnValues {
  'kube-prometheus-stack': KubePrometheusStackValues;
  'cert-manager': CertManagerValues;
  'sealed-secrets': SealedSecretsValues;
  'external-secrets': ExternalSecretsValues;
  'keda': KedaValues;
  'metrics-server': MetricsServerValues;
  'envoy-gateway': EnvoyGatewayValues;
  'ingress-nginx': IngressNginxValues;
  'loki': LokiValues;
  'alloy': AlloyValues;
  'nvidia-device-plugin': NvidiaDevicePluginValues;
}

/** Every add-on, in the order they are listed and applied within a wave. */
export const ADDONS: { readonly [N in AddOnName]: AddOnSpec<AddOnValues[N]> } = {
  'kube-prometheus-stack': {
    name: 'kube-prometheus-stack',
    namespace: 'monitoring',
    // node-exporter mounts the host's /proc and /sys and uses the host network.
    podSecurity: 'privileged',
    chart: {
      repoUrl: 'https://prometheus-community.github.io/helm-charts', chart: 'kube-prometheus-stack', version: '88.5.3',
      source: 'prometheus-community/helm-charts charts/kube-prometheus-stack/{Chart,values}.yaml @ kube-prometheus-stack-88.5.3 (operator v0.93.1)',
    },
    provides: gk('monitoring.coreos.com', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Probe', 'Prometheus', 'Alertmanager', 'AlertmanagerConfig', 'ThanosRuler', 'ScrapeConfig', 'PrometheusAgent'),
    after: () => [],
    // The prometheuses and alertmanagers CRDs are over 256 KiB each.
    serverSideApply: true,
    clusterKinds: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment', 'DaemonSet', 'StatefulSet'), ...gk('batch', 'Job'),
      ...gk('policy', 'PodDisruptionBudget'),
      ...gk('monitoring.coreos.com', 'Prometheus', 'Alertmanager', 'ServiceMonitor', 'PrometheusRule')],
    values: (ctx) => ({
      crds: { enabled: true },
      kubeControllerManager: { enabled: ctx.provider === 'generic' },
      kubeScheduler: { enabled: ctx.provider === 'generic' },
      kubeEtcd: { enabled: ctx.provider === 'generic' },
      // Our GKE clusters are Autopilot (connectors): no host access for node-exporter.
      nodeExporter: { enabled: ctx.provider !== 'gke' },
      prometheus: {
        prometheusSpec: {
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          retention: '15d',
        },
      },
      grafana: { sidecar: { dashboards: { enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' } } },
    }),
  },
  'cert-manager': {
    name: 'cert-manager',
    namespace: 'cert-manager',
    podSecurity: 'restricted',
    chart: {
      repoUrl: 'https://charts.jetstack.io', chart: 'cert-manager', version: 'v1.21.1',
      source: 'cert-manager/cert-manager deploy/charts/cert-manager/values.yaml @ v1.21.1',
    },
    provides: gk('cert-manager.io', 'Certificate', 'CertificateRequest', 'Issuer', 'ClusterIssuer').concat(gk('acme.cert-manager.io', 'Order', 'Challenge')),
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    serverSideApply: false,
    clusterKinds: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...gk('batch', 'Job'), ...gk('policy', 'PodDisruptionBudget'), ...SERVICE_MONITOR],
    values: (ctx) => ({
      crds: { enabled: true, keep: true },
      replicaCount: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      prometheus: { enabled: true, servicemonitor: { enabled: ctx.selected.has('kube-prometheus-stack') } },
    }),
  },
  'sealed-secrets': {
    name: 'sealed-secrets',
    namespace: 'kube-system',
    podSecurity: 'privileged',
    chart: {
      repoUrl: 'https://bitnami-labs.github.io/sealed-secrets', chart: 'sealed-secrets', version: '2.18.5',
      source: 'bitnami-labs/sealed-secrets helm/sealed-secrets/{Chart,values}.yaml @ helm-v2.18.5',
    },
    provides: gk('bitnami.com', 'SealedSecret'),
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    serverSideApply: false,
    clusterKinds: [...CRD, ...RBAC_CLUSTER],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...SERVICE_MONITOR],
    values: (ctx) => ({
      fullnameOverride: 'sealed-secrets-controller',
      metrics: { serviceMonitor: { enabled: ctx.selected.has('kube-prometheus-stack') } },
    }),
  },
  'external-secrets': {
    name: 'external-secrets',
    namespace: 'external-secrets',
    podSecurity: 'restricted',
    chart: {
      repoUrl: 'https://charts.external-secrets.io', chart: 'external-secrets', version: '2.9.0',
      source: 'external-secrets/external-secrets deploy/charts/external-secrets/{Chart,values}.yaml @ helm-chart-2.9.0',
    },
    provides: gk('external-secrets.io', 'ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'ClusterExternalSecret', 'PushSecret'),
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    // The externalsecrets and clustersecretstores CRDs exceed the annotation limit.
    serverSideApply: true,
    clusterKinds: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...SERVICE_MONITOR],
    values: (ctx) => ({ installCRDs: true, replicaCount: 2, serviceMonitor: { enabled: ctx.selected.has('kube-prometheus-stack') } }),
  },
  'keda': {
    name: 'keda',
    namespace: 'keda',
    podSecurity: 'restricted',
    chart: {
      repoUrl: 'https://kedacore.github.io/charts', chart: 'keda', version: '2.20.2',
      source: 'kedacore/charts keda/{Chart,values}.yaml @ v2.20.2',
    },
    provides: gk('keda.sh', 'ScaledObject', 'ScaledJob', 'TriggerAuthentication', 'ClusterTriggerAuthentication'),
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    // The scaledjobs CRD exceeds the annotation limit.
    serverSideApply: true,
    clusterKinds: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS, ...gk('apiregistration.k8s.io', 'APIService')],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...SERVICE_MONITOR],
    values: (ctx) => ({
      crds: { install: true },
      prometheus: { operator: { enabled: true, serviceMonitor: { enabled: ctx.selected.has('kube-prometheus-stack') } } },
    }),
  },
  'metrics-server': {
    name: 'metrics-server',
    namespace: 'kube-system',
    podSecurity: 'privileged',
    chart: {
      repoUrl: 'https://kubernetes-sigs.github.io/metrics-server', chart: 'metrics-server', version: '3.13.1',
      source: 'kubernetes-sigs/metrics-server charts/metrics-server/{Chart,values}.yaml @ metrics-server-helm-chart-3.13.1 (v0.8.1)',
    },
    provides: [],
    after: () => [],
    serverSideApply: false,
    clusterKinds: [...RBAC_CLUSTER, ...gk('apiregistration.k8s.io', 'APIService')],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...gk('policy', 'PodDisruptionBudget')],
    values: (ctx) => ({
      replicas: 2,
      // LKE's kubelets serve certificates the cluster CA did not sign, so metrics-server cannot verify them
      // (devoriales.com/post/247/guide-to-deploying-metrics-server-on-linode-lke).
      args: ctx.provider === 'lke' ? ['--kubelet-insecure-tls'] : [],
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
    }),
  },
  'envoy-gateway': {
    name: 'envoy-gateway',
    namespace: 'envoy-gateway-system',
    // The controller and the Envoy proxies it creates here run with DefaultSecurityContext: non-root, no
    // capabilities, RuntimeDefault seccomp (internal/infrastructure/kubernetes/resource/resource.go @ v1.9.0).
    podSecurity: 'restricted',
    chart: {
      // The chart is published only as an OCI artifact: oci://docker.io/envoyproxy/gateway-helm.
      repoUrl: 'registry-1.docker.io/envoyproxy', chart: 'gateway-helm', version: 'v1.9.0', oci: true,
      source: 'envoyproxy/gateway charts/gateway-helm/values.tmpl.yaml and site/content/en/news/releases/matrix.md @ v1.9.0',
    },
    provides: gk('gateway.networking.k8s.io', 'GatewayClass', 'Gateway', 'HTTPRoute', 'GRPCRoute', 'ReferenceGrant', 'BackendTLSPolicy')
      .concat(gk('gateway.envoyproxy.io', 'EnvoyProxy', 'ClientTrafficPolicy', 'BackendTrafficPolicy', 'SecurityPolicy', 'EnvoyPatchPolicy', 'EnvoyExtensionPolicy', 'Backend')),
    after: () => [],
    // The envoyproxies CRD alone is several hundred KiB.
    serverSideApply: true,
    clusterKinds: [...CRD, ...RBAC_CLUSTER, ...WEBHOOKS,
      ...gk('admissionregistration.k8s.io', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding')],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...gk('batch', 'Job'), ...gk('policy', 'PodDisruptionBudget')],
    values: () => ({ crds: { enabled: true }, deployment: { replicas: 2 }, podDisruptionBudget: { minAvailable: 1 } }),
  },
  'ingress-nginx': {
    name: 'ingress-nginx',
    namespace: 'ingress-nginx',
    podSecurity: 'baseline',
    chart: {
      // The last release: ingress-nginx reached end of life in March 2026 (issue 19 moves clusters to Gateway API).
      repoUrl: 'https://kubernetes.github.io/ingress-nginx', chart: 'ingress-nginx', version: '4.15.1',
      source: 'kubernetes/ingress-nginx charts/ingress-nginx/{Chart,values}.yaml @ helm-chart-4.15.1 (controller v1.15.1)',
    },
    provides: [],
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    serverSideApply: false,
    clusterKinds: [...RBAC_CLUSTER, ...WEBHOOKS, ...gk('networking.k8s.io', 'IngressClass')],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment'), ...gk('batch', 'Job'), ...gk('policy', 'PodDisruptionBudget'), ...SERVICE_MONITOR],
    values: (ctx) => ({
      controller: {
        replicaCount: 2,
        ingressClassResource: { name: 'nginx', default: false },
        allowSnippetAnnotations: false,
        metrics: { enabled: true, serviceMonitor: { enabled: ctx.selected.has('kube-prometheus-stack') } },
      },
    }),
  },
  'loki': {
    name: 'loki',
    namespace: 'loki',
    podSecurity: 'restricted',
    chart: {
      repoUrl: 'https://grafana.github.io/helm-charts', chart: 'loki', version: '7.3.0',
      source: 'grafana/loki production/helm/loki/{Chart,values}.yaml @ helm-loki-7.3.0 (Loki 3.6.12)',
    },
    provides: [],
    after: (ctx) => when(ctx, 'kube-prometheus-stack'),
    serverSideApply: false,
    clusterKinds: [...RBAC_CLUSTER],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'StatefulSet', 'Deployment'), ...gk('policy', 'PodDisruptionBudget'), ...SERVICE_MONITOR],
    values: () => ({
      deploymentMode: 'SingleBinary',
      loki: {
        auth_enabled: false,
        commonConfig: { replication_factor: 1 },
        storage: { type: 'filesystem' },
        schemaConfig: { configs: [{ from: '2026-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'loki_index_', period: '24h' } }] },
        limits_config: { retention_period: '744h' },
        compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
        podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      },
      singleBinary: { replicas: 1, persistence: { size: '50Gi' } },
      read: { replicas: 0 },
      write: { replicas: 0 },
      backend: { replicas: 0 },
      chunksCache: { enabled: false },
      resultsCache: { enabled: false },
      lokiCanary: { enabled: false },
      test: { enabled: false },
      minio: { enabled: false },
    }),
  },
  'alloy': {
    name: 'alloy',
    namespace: 'alloy',
    // No host mounts (logs come through the API server); the image runs as root, which "restricted" forbids.
    podSecurity: 'baseline',
    chart: {
      repoUrl: 'https://grafana.github.io/helm-charts', chart: 'alloy', version: '1.11.1',
      source: 'grafana/alloy operations/helm/charts/alloy/{Chart,values}.yaml @ helm-chart/1.11.1 (Alloy v1.18.1); Promtail is end of life',
    },
    provides: [],
    after: (ctx) => [...when(ctx, 'kube-prometheus-stack'), 'loki'],
    serverSideApply: false,
    clusterKinds: [...CRD, ...RBAC_CLUSTER],
    namespacedKinds: [...CORE_NS, ...RBAC_NS, ...gk('apps', 'Deployment')],
    values: () => ({ alloy: { configMap: { content: ALLOY_CONFIG }, mounts: { varlog: false } }, controller: { type: 'deployment', replicas: 1 } }),
  },
  'nvidia-device-plugin': {
    name: 'nvidia-device-plugin',
    namespace: 'nvidia-device-plugin',
    // The plugin registers with the kubelet through a hostPath socket.
    podSecurity: 'privileged',
    chart: {
      repoUrl: 'https://nvidia.github.io/k8s-device-plugin', chart: 'nvidia-device-plugin', version: '0.20.0',
      source: 'NVIDIA/k8s-device-plugin deployments/helm/nvidia-device-plugin/{Chart,values}.yaml @ v0.20.0',
    },
    provides: [],
    after: () => [],
    serverSideApply: false,
    clusterKinds: [...RBAC_CLUSTER],
    namespacedKinds: [...CORE_NS, ...gk('apps', 'DaemonSet')],
    values: (ctx) => ({
      affinity: ctx.gpuPlacement.nodeSelectors.length === 0 ? {} : {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: ctx.gpuPlacement.nodeSelectors.map((sel) => ({
              matchExpressions: Object.entries(sel).map(([key, value]) => ({ key, operator: 'In' as const, values: [value] })),
            })),
          },
        },
      },
      tolerations: dedupeTolerations([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }, ...ctx.gpuPlacement.tolerations]),
    }),
  },
};

/** Every add-on name, in catalog order. */
export const ADDON_NAMES = Object.keys(ADDONS) as AddOnName[];

function dedupeTolerations(list: readonly Toleration[]): Toleration[] {
  const seen = new Map<string, Toleration>();
  for (const t of list) seen.set(JSON.stringify([t.key, t.operator, t.value, t.effect]), t);
  return [...seen.values()];
}
