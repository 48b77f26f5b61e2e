import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { Certificate } from '../../imports/cert-manager-certificate-cert-manager.io';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import { BackendTrafficPolicy, BackendTrafficPolicySpecRequestBufferLimit } from '../../imports/envoy-gateway-backendtrafficpolicy-gateway.envoyproxy.io';
import { Gateway, GatewaySpecListenersAllowedRoutesNamespacesFrom as From, GatewaySpecListenersTlsMode } from '../../imports/gateway-api-gateway-gateway.networking.k8s.io';
import {
  HttpRoute, HttpRouteSpecRulesFiltersRequestRedirectScheme, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesMatchesPathType,
} from '../../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { ReferenceGrant } from '../../imports/gateway-api-referencegrant-gateway.networking.k8s.io';
import { check } from '../core/errors';
import { ExternalNameService } from './external-name-service';
import { IHttpBackend, mergeEdgeRequirements } from '../core/http-backend';
import { checkDnsLabel, checkHostname, checkUnique } from '../core/names';
import { INetworkPeer, NGINX_INGRESS_CONTROLLER, Peer } from '../core/network-peer';
import { edgeBodyBytes, NginxIngress, tlsSecretName } from './nginx-ingress';
import { PlatformChart } from '../core/platform-chart';

/**
 * How an edge is rendered on its destination cluster: Gateway API objects (Envoy Gateway), an `Ingress` of class
 * nginx, or both side by side for the migration window (`docs/gateway-api-migration.md`).
 */
export type EdgeRendering = 'gateway-api' | 'ingress-nginx' | 'both';

/** Every rendering, for config checks. */
export const EDGE_RENDERINGS: readonly EdgeRendering[] = ['gateway-api', 'ingress-nginx', 'both'];

/** Name of every platform's Gateway: the ClusterIssuer's HTTP-01 solver attaches to it by this name. */
export const EDGE_GATEWAY_NAME = 'edge';

/** The GatewayClass the cluster add-ons layer renders for Envoy Gateway (controller `gateway.envoyproxy.io/gatewayclass-controller`). */
export const ENVOY_GATEWAY_CLASS = 'envoy-gateway';

/** Namespace Envoy Gateway runs its controller and, by default, its Envoy proxies in (its Helm chart's install namespace). */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';

/** Label on the Certificates an edge renders, which selects the ClusterIssuer's Gateway API HTTP-01 solver. */
export const ACME_SOLVER_LABEL = 'platform.example.org/acme-http01-solver';

/** Envoy's route timeout is 15 s when none is set; nginx's proxy timeouts are 60 s. Routes get nginx's value. */
const DEFAULT_TIMEOUT_SECONDS = 60;

/** Port cert-manager's ACME HTTP-01 solver pods listen on. */
const HTTP01_SOLVER_PORT = 8089;

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The Envoy proxy pods of one Gateway. Labels from envoyproxy/gateway v1.9.0:
 * `internal/infrastructure/kubernetes/proxy/resource.go` (EnvoyAppLabel) and `internal/gatewayapi/helpers.go`
 * (GatewayOwnerLabels; without `mergeGateways` every Gateway gets its own proxies).
 */
export function envoyGatewayDataPlane(gatewayNamespace: string, gatewayName: string = EDGE_GATEWAY_NAME): INetworkPeer {
  return Peer.pods(ENVOY_GATEWAY_NAMESPACE, {
    'app.kubernetes.io/name': 'envoy',
    'app.kubernetes.io/component': 'proxy',
    'app.kubernetes.io/managed-by': 'envoy-gateway',
    'gateway.envoyproxy.io/owning-gateway-name': gatewayName,
    'gateway.envoyproxy.io/owning-gateway-namespace': gatewayNamespace,
  }, `envoy-gateway/${gatewayNamespace}/${gatewayName}`);
}

/**
 * The HTTP-01 solvers of a ClusterIssuer shared by both edges: ingress-nginx by default, and the Gateway API
 * solver for the Certificates an edge renders (selected by `ACME_SOLVER_LABEL`). The solver's HTTPRoute is created
 * in the Certificate's namespace and attaches to the Gateway named `edge` there (a parentRef without namespace),
 * which is where every edge puts its Gateway and Certificates. cert-manager must run with Gateway API support
 * (`config.enableGatewayAPI: true` from cert-manager 1.15).
 */
export function acmeHttp01Solvers(ingressClassName = 'nginx') {
  return [
    { http01: { ingress: { ingressClassName } } },
    {
      selector: { matchLabels: { [ACME_SOLVER_LABEL]: 'gateway-api' } },
      http01: { gatewayHttpRoute: { parentRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: EDGE_GATEWAY_NAME, sectionName: 'http' }] } },
    },
  ];
}

/** A Let's Encrypt (ACME) ClusterIssuer that both edges can solve HTTP-01 through. */
export interface AcmeClusterIssuerProps {
  /** Issuer name, as Ingress annotations and Certificates name it. */
  readonly name: string;
  /** ACME directory URL. */
  readonly server: string;
  /** Contact address for expiry notices. @default - an account without a contact address */
  readonly email?: string;
  /** Secret cert-manager creates for the ACME account key. @default `<name>-account-key` */
  readonly accountKeySecretName?: string;
}

/**
 * Renders an ACME ClusterIssuer with {@link acmeHttp01Solvers}: one per cluster (the gate's `cluster/*` rules check
 * that), rendered by whichever platform owns the cluster's issuer. The account key Secret is cert-manager's to create.
 */
export function acmeClusterIssuer(scope: Construct, id: string, props: AcmeClusterIssuerProps): ClusterIssuer {
  return new ClusterIssuer(scope, id, {
    metadata: { name: props.name },
    spec: {
      acme: {
        server: props.server,
        ...(props.email ? { email: props.email } : {}),
        privateKeySecretRef: { name: props.accountKeySecretName ?? `${props.name}-account-key` },
        solvers: acmeHttp01Solvers(),
      },
    },
  });
}

/** One path of a host. */
export interface EdgePath {
  /** URL path prefix (or exact path). @default '/' */
  readonly path?: string;
  /** Path matching. @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact';
  /** Where the traffic goes; every path of a host is in one namespace. Its `edgeRequirements` are honoured. */
  readonly backend: IHttpBackend;
  /** Backend port name. @default - the backend's first exposed port */
  readonly port?: string;
}

/** One public host. */
export interface EdgeHost {
  /** Fully qualified host name. */
  readonly host: string;
  /** Name of this host's Ingress and HTTPRoute (kept from the Ingress it replaces, so production does not churn). */
  readonly name: string;
  /** Paths on this host. */
  readonly paths: readonly EdgePath[];
}

/** Where the Gateway lives. */
export interface EdgeGatewayOptions {
  /** Namespace of the Gateway, its redirect route and (gateway-api) its Certificates. @default - the chart's namespace */
  readonly namespace?: string;
  /** GatewayClass. @default 'envoy-gateway' */
  readonly gatewayClassName?: string;
  /** The Gateway's data-plane pods, admitted to the backends. @default - Envoy Gateway's proxies of this Gateway */
  readonly dataPlane?: INetworkPeer;
}

export interface EdgeProps {
  /** Which objects to render on the destination cluster. */
  readonly rendering: EdgeRendering;
  /** Public hosts, each served with TLS and HTTP redirected to HTTPS. */
  readonly hosts: readonly EdgeHost[];
  /** cert-manager ClusterIssuer of the certificates (its solvers: `acmeHttp01Solvers()`). */
  readonly clusterIssuer: string;
  /** The Gateway (gateway-api and both). @default - `edge` in the chart's namespace, class envoy-gateway */
  readonly gateway?: EdgeGatewayOptions;
  /** The ingress controller (ingress-nginx and both). @default - ingress-nginx in namespace `ingress-nginx` */
  readonly ingressController?: INetworkPeer;
}

/** What one host exposes, rendering-independent: the declaration a test compares both renderings against. */
export interface EdgeExposure {
  readonly host: string;
  readonly path: string;
  readonly pathType: 'Prefix' | 'Exact';
  readonly namespace: string;
  readonly serviceName: string;
  readonly servicePort: number;
}

/**
 * The public edge of one platform and environment, declared once (hosts, paths, backends, TLS) and rendered as
 * Gateway API objects for Envoy Gateway, as NGINX Ingresses, or both. Either way every host has a certificate
 * from cert-manager, HTTP is redirected to HTTPS, the backends' edge requirements are honoured and each backend's
 * NetworkPolicy admits exactly the edge's data-plane pods on the routed port.
 *
 * Gateway API: one Gateway `edge` with an HTTP listener (the redirect and the ACME solver routes) and one HTTPS
 * listener per host, admitting routes only from that host's namespace; one HTTPRoute per host in the backends'
 * namespace; ReferenceGrants where a listener's Secret or a route's backend is in another namespace.
 * In `both`, the listeners use the Secrets ingress-nginx's cert-manager shim already issued (HTTP-01 can only
 * reach the edge DNS points at); in `gateway-api` the edge renders a Certificate per host next to the Gateway.
 */
export class Edge extends Construct {
  public readonly rendering: EdgeRendering;
  /** Host names, in declaration order. */
  public readonly hosts: readonly string[];
  /** The Ingress of each host (by host name), when rendered. */
  public readonly ingresses: Readonly<Record<string, NginxIngress>>;
  /** The Gateway, when rendered. */
  public readonly gateway?: ApiObject;
  /** The HTTPRoute of each host (by host name), when rendered. */
  public readonly routes: Readonly<Record<string, ApiObject>>;
  /** The declaration, flattened: one entry per host and path. */
  public readonly exposures: readonly EdgeExposure[];
  private readonly hostScopes = new Map<string, Construct>();
  private readonly gatewayScopeConstruct?: Construct;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    check(this, EDGE_RENDERINGS.includes(props.rendering), 'rendering', props.rendering, `must be one of ${EDGE_RENDERINGS.join(', ')}`);
    checkDnsLabel(this, 'clusterIssuer', props.clusterIssuer);
    check(this, props.hosts.length > 0, 'hosts', props.hosts, 'must list at least one host');
    checkUnique(this, 'hosts[].host', props.hosts.map((h) => h.host));
    checkUnique(this, 'hosts[].name', props.hosts.map((h) => h.name));
    const hostNamespaces = props.hosts.map((h, i) => {
      checkHostname(this, `hosts[${i}].host`, h.host);
      checkDnsLabel(this, `hosts[${i}].name`, h.name);
      check(this, h.paths.length > 0, `hosts[${i}].paths`, h.paths, 'must list at least one path');
      h.paths.forEach((p, j) => check(this, (p.path ?? '/').startsWith('/'), `hosts[${i}].paths[${j}].path`, p.path, 'must start with "/"'));
      checkUnique(this, `hosts[${i}].paths[].path`, h.paths.map((p) => p.path ?? '/'));
      const namespace = h.paths[0].backend.namespace;
      h.paths.forEach((p, j) => check(this, p.backend.namespace === namespace, `hosts[${i}].paths[${j}].backend`,
        `${p.backend.namespace}/${p.backend.serviceName}`,
        `every path of a host routes to one namespace (${namespace}); declare a second host, or an ExternalNameService in ${namespace}`));
      // Parse body sizes now, so a bad value fails here whatever the rendering.
      h.paths.forEach((p) => mergeEdgeRequirements([p.backend.edgeRequirements], (v) => edgeBodyBytes(this, v)));
      h.paths.forEach((p, j) => {
        const t = p.backend.edgeRequirements?.timeoutSeconds;
        check(this, t === undefined || (Number.isInteger(t) && t > 0 && t <= 86400), `hosts[${i}].paths[${j}].backend.edgeRequirements.timeoutSeconds`, t,
          'must be a whole number of seconds between 1 and 86400');
      });
      return namespace;
    });
    this.rendering = props.rendering;
    this.hosts = props.hosts.map((h) => h.host);
    this.exposures = props.hosts.flatMap((h) => h.paths.map((p) => {
      const port = p.backend.resolveHttpPort(p.port);
      return { host: h.host, path: p.path ?? '/', pathType: p.pathType ?? 'Prefix', namespace: p.backend.namespace, serviceName: p.backend.serviceName, servicePort: port.servicePort };
    }));
    props.hosts.forEach((h) => this.hostScopes.set(h.name, new Construct(this, `Host-${h.name}`)));

    const ingresses: Record<string, NginxIngress> = {};
    if (props.rendering !== 'gateway-api') {
      props.hosts.forEach((h, i) => {
        ingresses[h.host] = new NginxIngress(this.hostScopes.get(h.name)!, 'Ingress', {
          name: h.name,
          namespace: hostNamespaces[i],
          clusterIssuer: props.clusterIssuer,
          hosts: [{ host: h.host, paths: h.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: p.backend, port: p.port })) }],
          controller: props.ingressController ?? NGINX_INGRESS_CONTROLLER,
        });
      });
    }
    this.ingresses = ingresses;

    const routes: Record<string, ApiObject> = {};
    if (props.rendering !== 'ingress-nginx') {
      const gatewayNamespace = props.gateway?.namespace ?? chart.defaultNamespace;
      checkDnsLabel(this, 'gateway.namespace', gatewayNamespace);
      const dataPlane = props.gateway?.dataPlane ?? envoyGatewayDataPlane(gatewayNamespace);
      const gatewayScope = new Construct(this, 'Gateway');
      this.gatewayScopeConstruct = gatewayScope;
      // gateway-api: Certificates next to the Gateway. both: the Secret ingress-nginx's shim keeps in the host's namespace.
      const ownCertificates = props.rendering === 'gateway-api';
      const secretNamespaces = hostNamespaces.map((ns) => (ownCertificates ? gatewayNamespace : ns));
      const grants = new GrantCollector();

      this.gateway = new Gateway(gatewayScope, 'Resource', {
        metadata: { name: EDGE_GATEWAY_NAME, namespace: gatewayNamespace },
        spec: {
          gatewayClassName: props.gateway?.gatewayClassName ?? ENVOY_GATEWAY_CLASS,
          listeners: [
            // Only this namespace's routes: the HTTPS redirect and cert-manager's HTTP-01 solver routes.
            { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: From.SAME } } },
            ...props.hosts.map((h, i) => {
              const secretNamespace = secretNamespaces[i];
              if (secretNamespace !== gatewayNamespace) {
                grants.add(secretNamespace, { group: GATEWAY_GROUP, kind: 'Gateway', namespace: gatewayNamespace }, { group: '', kind: 'Secret', name: tlsSecretName(h.host) });
              }
              return {
                name: listenerName(h.host),
                hostname: h.host,
                port: 443,
                protocol: 'HTTPS',
                tls: {
                  mode: GatewaySpecListenersTlsMode.TERMINATE,
                  certificateRefs: [{
                    group: '', kind: 'Secret', name: tlsSecretName(h.host),
                    ...(secretNamespace !== gatewayNamespace ? { namespace: secretNamespace } : {}),
                  }],
                },
                allowedRoutes: hostNamespaces[i] === gatewayNamespace
                  ? { namespaces: { from: From.SAME } }
                  : { namespaces: { from: From.SELECTOR, selector: { matchLabels: { [NAMESPACE_NAME_LABEL]: hostNamespaces[i] } } } },
              };
            }),
          ],
        },
      });

      new HttpRoute(gatewayScope, 'HttpsRedirect', {
        metadata: { name: `${EDGE_GATEWAY_NAME}-https-redirect`, namespace: gatewayNamespace },
        spec: {
          parentRefs: [{ group: GATEWAY_GROUP, kind: 'Gateway', name: EDGE_GATEWAY_NAME, sectionName: 'http' }],
          hostnames: [...this.hosts].sort(),
          // 301: Gateway API's standard channel offers 301 and 302 only (HTTPRouteFilter requestRedirect.statusCode).
          rules: [{ filters: [{ type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT, requestRedirect: { scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: 301 } }] }],
        },
      });

      if (ownCertificates) {
        props.hosts.forEach((h) => new Certificate(gatewayScope, `Certificate-${h.name}`, {
          metadata: { name: `${EDGE_GATEWAY_NAME}-${h.host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}`.slice(0, 253), namespace: gatewayNamespace, labels: { [ACME_SOLVER_LABEL]: 'gateway-api' } },
          spec: { secretName: tlsSecretName(h.host), dnsNames: [h.host], issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: props.clusterIssuer } },
        }));
        // Under default-deny the solver pods next to the Certificates must admit the Envoy proxies.
        new k8s.KubeNetworkPolicy(gatewayScope, 'AcmeHttp01Solver', {
          metadata: { name: 'allow-acme-http01-solver', namespace: gatewayNamespace },
          spec: {
            podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
            policyTypes: ['Ingress'],
            ingress: [{ from: [dataPlane.toNetworkPolicyPeer(gatewayNamespace)], ports: [{ port: k8s.IntOrString.fromNumber(HTTP01_SOLVER_PORT), protocol: 'TCP' }] }],
          },
        });
      }

      props.hosts.forEach((h, i) => {
        const routeNamespace = hostNamespaces[i];
        const hostScope = this.hostScopes.get(h.name)!;
        const rules = h.paths.map((p) => {
          const port = p.backend.resolveHttpPort(p.port);
          p.backend.allowFrom(dataPlane, [port.name]);
          const target = gatewayTarget(p.backend);
          if (target.namespace !== routeNamespace) {
            grants.add(target.namespace, { group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: routeNamespace }, { group: '', kind: 'Service', name: target.name });
          }
          return {
            matches: [{ path: { type: p.pathType === 'Exact' ? HttpRouteSpecRulesMatchesPathType.EXACT : HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: p.path ?? '/' } }],
            backendRefs: [{ name: target.name, ...(target.namespace !== routeNamespace ? { namespace: target.namespace } : {}), port: port.servicePort }],
            timeouts: { request: `${p.backend.edgeRequirements?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS}s` },
          };
        });
        routes[h.host] = new HttpRoute(hostScope, 'HttpRoute', {
          metadata: { name: h.name, namespace: routeNamespace },
          spec: {
            parentRefs: [{
              group: GATEWAY_GROUP, kind: 'Gateway', name: EDGE_GATEWAY_NAME, sectionName: listenerName(h.host),
              ...(gatewayNamespace !== routeNamespace ? { namespace: gatewayNamespace } : {}),
            }],
            hostnames: [h.host],
            rules,
          },
        });
        const merged = mergeEdgeRequirements(h.paths.map((p) => p.backend.edgeRequirements), (v) => edgeBodyBytes(this, v));
        // With WebSockets the limit is the backend's to enforce on this edge: a request buffer would refuse every upgrade.
        if (merged.maxRequestBodyBytes !== undefined && !merged.websockets) {
          // Envoy streams bodies without a limit; the buffer filter answers 413 above the limit, as nginx does.
          // Field: envoyproxy/gateway v1.9.0 api/v1alpha1/backendtrafficpolicy_types.go (RequestBuffer.Limit). The
          // same release turns off the route's HTTP upgrades when a requestBuffer is set (internal/xds/translator/
          // route.go buildUpgradeConfig; httpUpgrade alongside it is rejected): WebSocket clients on such a host
          // are refused the upgrade (Socket.IO falls back to long polling) and streamed request bodies stall.
          new BackendTrafficPolicy(hostScope, 'TrafficPolicy', {
            metadata: { name: h.name, namespace: routeNamespace },
            spec: {
              targetRefs: [{ group: GATEWAY_GROUP, kind: 'HTTPRoute', name: h.name }],
              requestBuffer: { limit: BackendTrafficPolicySpecRequestBufferLimit.fromString(quantityOf(merged.maxRequestBodyBytes)) },
            },
          });
        }
        // largeResponseHeaders: Envoy's header limit is 60 KiB by default (HttpConnectionManager
        // max_request_headers_kb, and the same default upstream); Envoy Gateway v1.9.0 still exposes no setting
        // (ClientTrafficPolicy `headers`, api/v1alpha1/clienttrafficpolicy_types.go HeaderSettings, has no size
        // field, and internal/xds leaves max_request_headers_kb unset), and Keycloak's headers are far below it,
        // so nothing is rendered.
      });
      grants.render(gatewayScope);
    }
    this.routes = routes;
  }

  /** The construct holding one host's Ingress, HTTPRoute and policies (for sync waves), by host `name`. */
  public hostScope(name: string): Construct {
    const scope = this.hostScopes.get(name);
    check(this, scope !== undefined, 'hostScope', name, `must be one of the hosts' names (${[...this.hostScopes.keys()].join(', ')})`);
    return scope;
  }

  /** The construct holding the Gateway, its redirect route, Certificates and ReferenceGrants, when rendered. */
  public get gatewayScope(): Construct | undefined {
    return this.gatewayScopeConstruct;
  }
}

/** `api.example.com` → `https-api-example-com`: the HTTPS listener of one host. */
export function listenerName(host: string): string {
  return `https-${host.replace(/^\*\./, 'wildcard.').replace(/\./g, '-')}`;
}

/**
 * The Service a Gateway API route sends the traffic to. Envoy Gateway rejects ExternalName Services as backends
 * (envoyproxy/gateway v1.9.0 `internal/gatewayapi/route.go`, isServiceExternalName), so an in-cluster alias is
 * routed to its target directly, across namespaces with a ReferenceGrant.
 */
function gatewayTarget(backend: IHttpBackend): { namespace: string; name: string } {
  if (backend instanceof ExternalNameService && backend.target) return backend.target;
  return { namespace: backend.namespace, name: backend.serviceName };
}

/** Bytes as a Kubernetes quantity: "10Mi", "512Ki", else plain bytes. */
function quantityOf(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}Mi`;
  if (bytes % 1024 === 0) return `${bytes / 1024}Ki`;
  return String(bytes);
}

interface GrantFrom { readonly group: string; readonly kind: string; readonly namespace: string }
interface GrantTo { readonly group: string; readonly kind: string; readonly name: string }

/**
 * Collects ReferenceGrants per target namespace and renders one per namespace and source kind, sorted. Rendered
 * as `v1`: Gateway API v1.6.1 standard serves ReferenceGrant as v1 and v1beta1 (v1beta1 stays the storage
 * version and is what Envoy Gateway v1.9.0 watches; same schema, no conversion webhook, so either is read back).
 */
class GrantCollector {
  private readonly grants = new Map<string, { from: GrantFrom; to: Map<string, GrantTo> }>();

  public add(namespace: string, from: GrantFrom, to: GrantTo): void {
    const key = `${namespace}|${from.kind}|${from.namespace}`;
    const grant = this.grants.get(key) ?? { from, to: new Map<string, GrantTo>() };
    grant.to.set(`${to.kind}/${to.name}`, to);
    this.grants.set(key, grant);
  }

  public render(scope: Construct): void {
    for (const key of [...this.grants.keys()].sort()) {
      const [namespace] = key.split('|');
      const { from, to } = this.grants.get(key)!;
      const name = `${EDGE_GATEWAY_NAME}-${from.kind.toLowerCase()}-${from.namespace}`.slice(0, 63).replace(/-+$/, '');
      new ReferenceGrant(scope, `ReferenceGrant-${key.replace(/\|/g, '-')}`, {
        metadata: { name, namespace },
        spec: { from: [from], to: [...to.keys()].sort().map((k) => to.get(k)!) },
      });
    }
  }
}
