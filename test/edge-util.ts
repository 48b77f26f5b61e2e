/**
 * Reads what an edge exposes back out of rendered YAML, independent of the rendering, so tests can compare an
 * Ingress rendering with a Gateway API rendering of the same declaration.
 */

/** One exposed host and path: where it goes and which Secret holds its certificate. */
export interface Exposed {
  readonly host: string;
  readonly path: string;
  readonly pathType: 'Prefix' | 'Exact';
  /** `namespace/service:port` of the Service that finally receives the traffic (ExternalName aliases resolved). */
  readonly backend: string;
  /** `namespace/secret` of the TLS certificate served for the host. */
  readonly tls: string;
  /** How plain HTTP is answered. */
  readonly http: 'redirect-to-https';
}

const IN_CLUSTER = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local$/;

function resolve(objects: readonly any[], namespace: string, name: string, port: number): string {
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === name && o.metadata.namespace === namespace);
  const match = service?.spec?.type === 'ExternalName' ? IN_CLUSTER.exec(service.spec.externalName) : null;
  return match ? `${match[2]}/${match[1]}:${port}` : `${namespace}/${name}:${port}`;
}

const order = (a: Exposed, b: Exposed) => `${a.host} ${a.path}`.localeCompare(`${b.host} ${b.path}`, 'en');

/** What the NGINX Ingresses expose (class nginx, HTTP redirected by `ssl-redirect`). */
export function exposedByIngress(objects: readonly any[]): Exposed[] {
  return objects.filter((o) => o.kind === 'Ingress' && o.spec.ingressClassName === 'nginx').flatMap((ingress) => {
    const ns = ingress.metadata.namespace;
    const redirect = ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/ssl-redirect'] === 'true';
    return ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => {
      const tls = (ingress.spec.tls ?? []).find((t: any) => t.hosts.includes(rule.host));
      return {
        host: rule.host,
        path: p.path,
        pathType: p.pathType,
        backend: resolve(objects, ns, p.backend.service.name, p.backend.service.port.number),
        tls: tls ? `${ns}/${tls.secretName}` : 'none',
        http: redirect ? 'redirect-to-https' : ('served' as never),
      };
    }));
  }).sort(order);
}

/** What the Gateways and HTTPRoutes expose: each route through its parent listener's certificate. */
export function exposedByGateway(objects: readonly any[]): Exposed[] {
  const gateways = objects.filter((o) => o.kind === 'Gateway');
  const routes = objects.filter((o) => o.kind === 'HTTPRoute');
  const redirected = (gatewayNs: string, gatewayName: string, host: string) => routes.some((r) => r.spec.parentRefs.some((ref: any) =>
    ref.name === gatewayName && (ref.namespace ?? r.metadata.namespace) === gatewayNs && ref.sectionName === 'http')
    && (r.spec.hostnames ?? []).includes(host)
    && r.spec.rules.every((rule: any) => rule.filters?.some((f: any) => f.type === 'RequestRedirect' && f.requestRedirect.scheme === 'https')));
  return routes.flatMap((route) => {
    const ns = route.metadata.namespace;
    return route.spec.parentRefs.flatMap((ref: any) => {
      const gatewayNs = ref.namespace ?? ns;
      const gateway = gateways.find((g) => g.metadata.name === ref.name && g.metadata.namespace === gatewayNs);
      const listener = gateway?.spec.listeners.find((l: any) => l.name === ref.sectionName);
      if (!listener || listener.protocol !== 'HTTPS') return [];
      return (route.spec.hostnames ?? []).flatMap((host: string) => route.spec.rules.flatMap((rule: any) => rule.matches.map((m: any) => {
        const [b] = rule.backendRefs;
        const cert = listener.tls.certificateRefs[0];
        return {
          host,
          path: m.path.value,
          pathType: m.path.type === 'PathPrefix' ? 'Prefix' : 'Exact',
          backend: resolve(objects, b.namespace ?? ns, b.name, b.port),
          tls: `${cert.namespace ?? gatewayNs}/${cert.name}`,
          http: redirected(gatewayNs, ref.name, host) ? 'redirect-to-https' : ('served' as never),
        } as Exposed;
      })));
    });
  }).sort(order);
}

/** What the edge of `rendering` exposes (for both, the Ingress view; a test compares the two). */
export function exposed(objects: readonly any[], rendering: 'gateway-api' | 'ingress-nginx' | 'both'): Exposed[] {
  return rendering === 'gateway-api' ? exposedByGateway(objects) : exposedByIngress(objects);
}

/** The NetworkPolicy peer of the edge's data plane as seen from a policy in another namespace. */
export function edgePeer(rendering: 'gateway-api' | 'ingress-nginx' | 'both', gatewayNamespace: string): any {
  if (rendering === 'ingress-nginx') {
    return {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    };
  }
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
    podSelector: {
      matchLabels: {
        'app.kubernetes.io/name': 'envoy',
        'app.kubernetes.io/component': 'proxy',
        'app.kubernetes.io/managed-by': 'envoy-gateway',
        'gateway.envoyproxy.io/owning-gateway-name': 'edge',
        'gateway.envoyproxy.io/owning-gateway-namespace': gatewayNamespace,
      },
    },
  };
}
