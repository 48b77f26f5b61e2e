import { ACME_SOLVER_LABEL, acmeHttp01Solvers } from '../networking/edge';
import { PropValidationError } from '../core/errors';
import { ADDON_NAMES, ADDONS, AddOnName, GpuPlacement, Provider, Toleration } from './catalog';

/** The edge controller Envoy Gateway registers for the `envoy-gateway` GatewayClass (charts/addons renders the class). */
export const ENVOY_GATEWAY_CLASS = 'envoy-gateway';
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/** API groups every Kubernetes 1.28 cluster serves without an add-on. */
const BUILT_IN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io',
  'node.k8s.io', 'certificates.k8s.io', 'apiregistration.k8s.io', 'flowcontrol.apiserver.k8s.io',
]);

/**
 * What each provider installs itself, so no add-on is rendered for it. Sources: GKE runs metrics-server, the GCE
 * Ingress controller (BackendConfig, ManagedCertificate), the `gke-l7-*` GatewayClasses and the NVIDIA device plugin
 * on GPU nodes (cloud.google.com/kubernetes-engine/docs/how-to/gpus). EKS and LKE install neither metrics-server
 * nor a GPU device plugin: Akamai's "Using GPUs on LKE" (techdocs.akamai.com/cloud-computing/docs/gpus-on-lke) asks
 * for the NVIDIA device plugin or GPU operator to be installed. EKS ships the EBS CSI driver as a managed add-on
 * created with the cluster, not by Argo CD.
 */
const PROVIDER_BUILT_INS: Readonly<Record<Provider, { kinds: readonly string[]; ingressClasses: readonly string[]; gatewayClassPrefix?: string; metricsServer: boolean; gpuPlugin: boolean; provisioners: readonly string[] }>> = {
  gke: { kinds: ['cloud.google.com/BackendConfig', 'networking.gke.io/ManagedCertificate', 'networking.gke.io/FrontendConfig'], ingressClasses: ['gce', 'gce-internal'], gatewayClassPrefix: 'gke-l7-', metricsServer: true, gpuPlugin: true, provisioners: ['pd.csi.storage.gke.io'] },
  eks: { kinds: [], ingressClasses: [], metricsServer: false, gpuPlugin: false, provisioners: ['ebs.csi.aws.com'] },
  lke: { kinds: [], ingressClasses: [], metricsServer: false, gpuPlugin: false, provisioners: ['linodebs.csi.linode.com'] },
  generic: { kinds: [], ingressClasses: [], metricsServer: false, gpuPlugin: false, provisioners: [] },
};

/** Everything rendered for one destination cluster, from every platform × environment that deploys there. */
export interface ClusterObjects {
  /** Cluster key (its Argo CD cluster name). */
  readonly cluster: string;
  readonly provider: Provider;
  /** Install Loki and a log shipper (the architecture asks for it on this cluster). @default false */
  readonly logs?: boolean;
  /** The rendered objects, each with the `platform/environment` it came from. */
  readonly objects: readonly { readonly source: string; readonly object: any }[];
}

/** A reason an add-on is installed: the object that needs it. */
export interface AddOnReason {
  readonly addOn: AddOnName;
  /** `platform/environment Kind namespace/name: why`. */
  readonly because: string;
}

/** The add-ons one cluster needs and the objects nothing provides for. */
export interface ClusterAddOns {
  readonly cluster: string;
  readonly provider: Provider;
  /** Selected add-ons in catalog order, with the first reason for each. */
  readonly addOns: readonly AddOnName[];
  readonly reasons: readonly AddOnReason[];
  /** Render the `envoy-gateway` GatewayClass on this cluster. */
  readonly gatewayClass: boolean;
  /** Where the GPU pods run, for the device plugin. */
  readonly gpuPlacement: GpuPlacement;
  /** ClusterIssuers the cluster's objects name but no platform renders: the add-ons layer renders them once. */
  readonly clusterIssuers: readonly ClusterIssuerSpec[];
  /** Objects that use a kind or class no add-on and no provider serves: each fails the synth. */
  readonly unprovided: readonly string[];
}

/** An ACME ClusterIssuer with HTTP-01 solvers through the edge of the objects that name it. */
export interface ClusterIssuerSpec {
  readonly name: string;
  /** ACME directory URL. */
  readonly server: string;
  /** One HTTP-01 solver per Ingress class or Gateway that names the issuer, sorted. */
  readonly solvers: readonly object[];
}

/** ACME directories of the issuer names the add-ons layer knows (Let's Encrypt production and staging). */
export const KNOWN_ACME_ISSUERS: Readonly<Record<string, string>> = {
  'letsencrypt-prod': 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

/**
 * Derives a cluster's add-ons from its rendered objects (pure): a kind from an add-on's CRDs needs that add-on; an
 * Ingress needs the controller of its class; a Gateway the implementation of its GatewayClass; an HPA metrics-server
 * where the provider has none; a pod asking for `nvidia.com/gpu` the device plugin where the provider has none; a
 * `cert-manager.io/*` annotation cert-manager; a Grafana dashboard ConfigMap kube-prometheus-stack.
 */
export function deriveAddOns(input: ClusterObjects): ClusterAddOns {
  const builtIns = PROVIDER_BUILT_INS[input.provider];
  const reasons = new Map<AddOnName, AddOnReason>();
  const unprovided: string[] = [];
  const need = (addOn: AddOnName, source: string, o: any, why: string) => {
    if (!reasons.has(addOn)) reasons.set(addOn, { addOn, because: `${describe(source, o)}: ${why}` });
  };
  const missing = (source: string, o: any, why: string) => unprovided.push(`${describe(source, o)}: ${why}`);
  const gpuSelectors: Record<string, string>[] = [];
  const gpuTolerations: Toleration[] = [];
  const gateways = new Map<string, string>();
  const renderedIssuers = new Set<string>();
  const issuerSolvers = new Map<string, Map<string, object>>();
  /** The HTTP-01 solvers the objects named so far ask `issuer` for, by edge. */
  const solversOf = (issuer: string): Map<string, object> => {
    const solvers = issuerSolvers.get(issuer) ?? new Map<string, object>();
    issuerSolvers.set(issuer, solvers);
    return solvers;
  };
  for (const { object: o } of input.objects) {
    if (o.kind === 'Gateway' && groupOf(o.apiVersion) === 'gateway.networking.k8s.io') {
      gateways.set(`${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o.spec?.gatewayClassName ?? '');
    }
  }
  const gatewayClass = (source: string, o: any, className: string) => {
    if (className === ENVOY_GATEWAY_CLASS) {
      if (input.provider === 'gke') missing(source, o, `GatewayClass "${className}" on GKE: use a built-in gke-l7-* class`);
      else need('envoy-gateway', source, o, `GatewayClass "${className}"`);
    } else if (!(builtIns.gatewayClassPrefix && className.startsWith(builtIns.gatewayClassPrefix))) {
      missing(source, o, `GatewayClass "${className}" has no implementation on ${input.provider}; known: ${ENVOY_GATEWAY_CLASS}${builtIns.gatewayClassPrefix ? `, ${builtIns.gatewayClassPrefix}*` : ''}`);
    }
  };

  for (const { source, object: o } of input.objects) {
    const group = groupOf(o.apiVersion);
    const key = `${group}/${o.kind}`;
    const provider = ADDON_NAMES.find((n) => ADDONS[n].provides.some((p) => p.group === group && p.kind === o.kind));
    if (group === 'gateway.networking.k8s.io') {
      if (o.kind === 'Gateway') gatewayClass(source, o, o.spec?.gatewayClassName ?? '');
      else if (o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') {
        for (const ref of o.spec?.parentRefs ?? []) {
          const ns = ref.namespace ?? o.metadata?.namespace ?? '';
          const cls = gateways.get(`${ns}/${ref.name}`);
          if (cls !== undefined) gatewayClass(source, o, cls);
          else if (input.provider !== 'gke') missing(source, o, `parent Gateway ${ns}/${ref.name} is not rendered for this cluster, so its class (and controller) is unknown`);
        }
      }
    } else if (provider) {
      need(provider, source, o, `kind ${o.kind} (${group})`);
    } else if (!BUILT_IN_GROUPS.has(group) && !builtIns.kinds.includes(key)) {
      missing(source, o, `kind ${o.kind} (${group}) is served by no add-on in lib/addons/catalog.ts and not by ${input.provider}`);
    }
    if (group === 'networking.k8s.io' && o.kind === 'Ingress') {
      const cls: string | undefined = o.spec?.ingressClassName ?? o.metadata?.annotations?.['kubernetes.io/ingress.class'];
      if (cls === 'nginx') need('ingress-nginx', source, o, 'Ingress class "nginx"');
      else if (!(cls === undefined ? input.provider === 'gke' : builtIns.ingressClasses.includes(cls))) {
        missing(source, o, `Ingress class ${cls === undefined ? '(none)' : `"${cls}"`} has no controller on ${input.provider}; known: nginx${builtIns.ingressClasses.map((c) => `, ${c}`).join('')}`);
      }
    }
    if (o.kind === 'HorizontalPodAutoscaler' && !builtIns.metricsServer) need('metrics-server', source, o, `HPA on ${input.provider} (no metrics-server from the provider)`);
    if (group === 'storage.k8s.io' && o.kind === 'StorageClass' && !builtIns.provisioners.includes(o.provisioner)) {
      missing(source, o, `StorageClass provisioner "${o.provisioner}" is not installed on ${input.provider}; known: ${builtIns.provisioners.join(', ') || '(none)'}`);
    }
    const annotations = o.metadata?.annotations ?? {};
    if (Object.keys(annotations).some((a) => a === 'cert-manager.io/cluster-issuer' || a === 'cert-manager.io/issuer')) {
      need('cert-manager', source, o, 'cert-manager.io issuer annotation');
    }
    if (o.kind === 'ClusterIssuer' && group === 'cert-manager.io') renderedIssuers.add(o.metadata?.name);
    // The Gateway API edge (lib/networking/edge.ts) asks for its listener certificates with Certificate objects labelled for
    // the solver that attaches to its Gateway; every ClusterIssuer on such a cluster needs that solver too.
    if (o.kind === 'Certificate' && group === 'cert-manager.io' && o.spec?.issuerRef?.kind === 'ClusterIssuer') {
      const solvers = solversOf(o.spec.issuerRef.name);
      if (o.metadata?.labels?.[ACME_SOLVER_LABEL] === 'gateway-api') {
        solvers.set('edge/gateway-api', acmeHttp01Solvers()[1]);
      }
    }
    const issuer: string | undefined = annotations['cert-manager.io/cluster-issuer'];
    if (issuer !== undefined) {
      const solvers = solversOf(issuer);
      if (o.kind === 'Ingress' && o.spec?.ingressClassName) {
        solvers.set(`ingress/${o.spec.ingressClassName}`, { http01: { ingress: { ingressClassName: o.spec.ingressClassName } } });
      } else if (o.kind === 'Gateway') {
        // cert-manager's gateway-shim: the HTTP-01 challenge route attaches to the Gateway that asks for the certificate.
        solvers.set(`gateway/${o.metadata.namespace}/${o.metadata.name}`,
          { http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: o.metadata.name, namespace: o.metadata.namespace }] } } });
      }
    }
    if (o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard === '1') need('kube-prometheus-stack', source, o, 'Grafana dashboard ConfigMap');
    const pod = podSpecOf(o);
    if (pod && [...(pod.containers ?? []), ...(pod.initContainers ?? [])].some((c: any) => c.resources?.limits?.['nvidia.com/gpu'] !== undefined || c.resources?.requests?.['nvidia.com/gpu'] !== undefined)) {
      if (!builtIns.gpuPlugin) need('nvidia-device-plugin', source, o, `requests nvidia.com/gpu on ${input.provider}`);
      gpuSelectors.push(pod.nodeSelector ?? {});
      gpuTolerations.push(...(pod.tolerations ?? []));
    }
  }
  if (input.logs) {
    need('loki', 'cluster', { kind: 'Cluster', metadata: { name: input.cluster } }, 'log aggregation asked for in charts/addons/config.ts');
    need('alloy', 'cluster', { kind: 'Cluster', metadata: { name: input.cluster } }, 'ships the pods\' logs to Loki');
  }
  const clusterIssuers: ClusterIssuerSpec[] = [];
  for (const [name, solvers] of [...issuerSolvers.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (renderedIssuers.has(name)) continue;
    const server = KNOWN_ACME_ISSUERS[name];
    if (server === undefined || solvers.size === 0) {
      unprovided.push(`cluster: ClusterIssuer "${name}" is named but not rendered on this cluster, and the add-ons layer knows no ACME directory `
        + `for it (known: ${Object.keys(KNOWN_ACME_ISSUERS).join(', ')}) or no Ingress class or Gateway to solve HTTP-01 through`);
      continue;
    }
    clusterIssuers.push({ name, server, solvers: [...solvers.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v) });
  }
  const addOns = ADDON_NAMES.filter((n) => reasons.has(n));
  return {
    cluster: input.cluster,
    provider: input.provider,
    addOns,
    reasons: addOns.map((n) => reasons.get(n)!),
    gatewayClass: reasons.has('envoy-gateway'),
    gpuPlacement: { nodeSelectors: distinctSelectors(gpuSelectors), tolerations: gpuTolerations },
    clusterIssuers,
    unprovided: [...new Set(unprovided)].sort(),
  };
}

/** Thrown when a cluster's objects use a kind or class nothing installs. */
export class UnprovidedKindError extends PropValidationError {
  constructor(readonly clusters: readonly ClusterAddOns[]) {
    const lines = clusters.flatMap((c) => c.unprovided.map((u) => `  cluster ${c.cluster} (${c.provider}): ${u}`));
    const rule = 'every kind and class a cluster uses needs its controller; add the add-on to lib/addons/catalog.ts '
      + '(and its rule to lib/addons/derive.ts) or fix the object';
    super(`addons/${clusters.map((c) => c.cluster).join(',')}`, 'objects', `${lines.length} unprovided`, rule);
    this.message = `add-ons: ${lines.length} object(s) use a kind or class no add-on provides: ${rule}:\n${lines.join('\n')}`;
    this.name = 'UnprovidedKindError';
  }
}

function podSpecOf(o: any): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** The distinct non-empty selectors, keys sorted, in a stable order (the device plugin runs wherever a GPU pod may land). */
function distinctSelectors(list: readonly Record<string, string>[]): Record<string, string>[] {
  const byKey = new Map<string, Record<string, string>>();
  for (const sel of list) {
    const sorted = Object.fromEntries(Object.entries(sel).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (Object.keys(sorted).length > 0) byKey.set(JSON.stringify(sorted), sorted);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, s]) => s);
}

function describe(source: string, o: any): string {
  const ns = o.metadata?.namespace;
  return `${source} ${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

export function groupOf(apiVersion: string | undefined): string {
  return apiVersion?.includes('/') ? apiVersion.split('/')[0] : '';
}
