import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { check } from '../core/errors';
import { IHttpBackend, mergeEdgeRequirements } from '../core/http-backend';
import { checkDnsLabel, checkHostname, checkUnique } from '../core/names';
import { INetworkPeer, NGINX_INGRESS_CONTROLLER } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { parseQuantity } from '../core/quantities';

/** One path of a host. */
export interface IngressPath {
  /** URL path prefix. @default '/' */
  readonly path?: string;
  /** Path matching. @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific';
  /** Where the traffic goes; must be in the Ingress's namespace. */
  readonly backend: IHttpBackend;
  /** Backend port name. @default - the backend's first exposed port */
  readonly port?: string;
}

/** One host and its paths. */
export interface IngressHost {
  /** Fully qualified host name. */
  readonly host: string;
  /** Paths on this host. */
  readonly paths: readonly IngressPath[];
}

export interface NginxIngressProps {
  /** Ingress name. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Hosts, each served with TLS. */
  readonly hosts: readonly IngressHost[];
  /** cert-manager ClusterIssuer that issues the certificates. */
  readonly clusterIssuer: string;
  /** IngressClass. @default 'nginx' */
  readonly ingressClassName?: string;
  /** The ingress controller pods, allowed into the backends by NetworkPolicy. @default - ingress-nginx in namespace `ingress-nginx` */
  readonly controller?: INetworkPeer;
  /** Extra annotations (`nginx.ingress.kubernetes.io/*`). @default - none */
  readonly annotations?: Record<string, string>;
  /**
   * Largest request body in nginx syntax, e.g. "10m"; overrides the backends' `edgeRequirements.maxRequestBodySize`.
   * @default - the largest the backends declare, else the controller's default (1m)
   */
  readonly proxyBodySize?: string;
  /**
   * Let the controller reach cert-manager's HTTP-01 solver pods in this namespace. Under default-deny the ACME
   * challenge otherwise never arrives and no certificate is issued; set false for a DNS-01 issuer. @default true
   */
  readonly allowHttp01Solver?: boolean;
}

/** Port cert-manager's ACME HTTP-01 solver pods listen on. */
const HTTP01_SOLVER_PORT = 8089;

/**
 * An NGINX Ingress with a cert-manager certificate per host (HTTP redirected to HTTPS), that also opens each
 * backend's NetworkPolicy to the ingress controller on exactly the routed port.
 */
export class NginxIngress extends Construct {
  public readonly resource: ApiObject;
  public readonly hosts: readonly string[];

  constructor(scope: Construct, id: string, props: NginxIngressProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? id;
    const namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', name);
    checkDnsLabel(this, 'clusterIssuer', props.clusterIssuer);
    check(this, props.hosts.length > 0, 'hosts', props.hosts, 'must list at least one host');
    props.hosts.forEach((h, i) => {
      checkHostname(this, `hosts[${i}].host`, h.host);
      check(this, h.paths.length > 0, `hosts[${i}].paths`, h.paths, 'must list at least one path');
      h.paths.forEach((p, j) => {
        check(this, (p.path ?? '/').startsWith('/'), `hosts[${i}].paths[${j}].path`, p.path, 'must start with "/"');
        check(this, p.backend.namespace === namespace, `hosts[${i}].paths[${j}].backend`, `${p.backend.namespace}/${p.backend.serviceName}`,
          `an Ingress routes only to Services in its own namespace (${namespace}); use an ExternalName Service or a second Ingress in that namespace`);
      });
      checkUnique(this, `hosts[${i}].paths[].path`, h.paths.map((p) => p.path ?? '/'));
    });
    checkUnique(this, 'hosts[].host', props.hosts.map((h) => h.host));
    this.hosts = props.hosts.map((h) => h.host);
    const controller = props.controller ?? NGINX_INGRESS_CONTROLLER;

    const rules: k8s.IngressRule[] = props.hosts.map((h) => ({
      host: h.host,
      http: {
        paths: h.paths.map((p) => {
          const port = p.backend.resolveHttpPort(p.port);
          p.backend.allowFrom(controller, [port.name]);
          return {
            path: p.path ?? '/',
            pathType: p.pathType ?? 'Prefix',
            backend: { service: { name: p.backend.serviceName, port: { number: port.servicePort } } },
          };
        }),
      },
    }));
    const annotations: Record<string, string> = {
      'cert-manager.io/cluster-issuer': props.clusterIssuer,
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      ...edgeRequirementAnnotations(this, props.hosts),
      ...(props.proxyBodySize ? { 'nginx.ingress.kubernetes.io/proxy-body-size': props.proxyBodySize } : {}),
      ...props.annotations,
    };
    if (props.allowHttp01Solver ?? true) allowHttp01Solver(this, chart, namespace, controller);
    this.resource = new k8s.KubeIngress(this, 'Resource', {
      metadata: { name, namespace, annotations: Object.fromEntries(Object.keys(annotations).sort().map((k) => [k, annotations[k]])) },
      spec: {
        ingressClassName: props.ingressClassName ?? 'nginx',
        tls: props.hosts.map((h) => ({ hosts: [h.host], secretName: tlsSecretName(h.host) })),
        rules,
      },
    });
  }
}

/**
 * The backends' edge requirements as ingress-nginx annotations (one set per Ingress: the largest of each).
 * Annotation names and defaults: kubernetes/ingress-nginx docs/user-guide/nginx-configuration/annotations.md (commit c8cb9167).
 */
function edgeRequirementAnnotations(scope: Construct, hosts: readonly IngressHost[]): Record<string, string> {
  const merged = mergeEdgeRequirements(hosts.flatMap((h) => h.paths.map((p) => p.backend.edgeRequirements)),
    (value) => edgeBodyBytes(scope, value));
  const out: Record<string, string> = {};
  if (merged.largeResponseHeaders) out['nginx.ingress.kubernetes.io/proxy-buffer-size'] = '128k';
  if (merged.maxRequestBodyBytes !== undefined) out['nginx.ingress.kubernetes.io/proxy-body-size'] = nginxSize(merged.maxRequestBodyBytes);
  if (merged.timeoutSeconds !== undefined) {
    out['nginx.ingress.kubernetes.io/proxy-read-timeout'] = String(merged.timeoutSeconds);
    out['nginx.ingress.kubernetes.io/proxy-send-timeout'] = String(merged.timeoutSeconds);
  }
  return out;
}

/** Parses a declared body size ("10Mi") into bytes, or throws naming the construct. */
export function edgeBodyBytes(scope: Construct, value: string): number {
  const bytes = parseQuantity(value);
  check(scope, bytes !== undefined && bytes >= 1 && Number.isInteger(bytes), 'edgeRequirements.maxRequestBodySize', value,
    'must be a whole byte quantity such as "10Mi" or "512Ki"');
  return bytes;
}

/** Bytes in nginx's size syntax: "10m" for 10 MiB, "512k" for 512 KiB, else plain bytes. */
export function nginxSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}m`;
  if (bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}

/** `api.example.com` → `api-example-com-tls`: one certificate Secret per host. */
export function tlsSecretName(host: string): string {
  return `${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}-tls`.slice(0, 253);
}

const solverPolicies = new WeakMap<PlatformChart, Set<string>>();

/**
 * One NetworkPolicy per namespace (however many Ingresses it has) that lets the ingress controller reach
 * cert-manager's HTTP-01 solver pods, which cert-manager creates next to the Ingress during a challenge.
 * It is a child of the first Ingress of the namespace, so it shares that Ingress's sync wave.
 */
function allowHttp01Solver(ingress: Construct, chart: PlatformChart, namespace: string, controller: INetworkPeer): void {
  const done = solverPolicies.get(chart) ?? new Set<string>();
  solverPolicies.set(chart, done);
  if (done.has(namespace)) return;
  done.add(namespace);
  new k8s.KubeNetworkPolicy(ingress, 'AcmeHttp01Solver', {
    metadata: { name: 'allow-acme-http01-solver', namespace },
    spec: {
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [controller.toNetworkPolicyPeer(namespace)], ports: [{ port: k8s.IntOrString.fromNumber(HTTP01_SOLVER_PORT), protocol: 'TCP' }] }],
    },
  });
}
