import { App } from 'cdk8s';
import { AIAAS_CONFIG, AIAAS_ENVIRONMENTS, AiaasChart } from '../../../charts/aiaas';
import { AROTI_CONFIG, AROTI_ENVIRONMENTS, ArotiChart } from '../../../charts/aroti';
import { AURONTEK_CONFIG, AURONTEK_ENVIRONMENTS, AurontekChart } from '../../../charts/aurontek';
import { EXPENSE_TRACKER_CONFIG, EXPENSE_TRACKER_ENVIRONMENTS, ExpenseTrackerChart } from '../../../charts/expense-tracker';
import {
  Edge, EdgeRendering, ExternalNameService, NamespaceBaseline, PlatformChart, withEdgeRequirements, Workload,
} from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { Exposed, exposedByGateway, exposedByIngress } from '../../edge-util';
import { findObject, objectsOf, objectsOfKind, testChart } from '../../util';

/** Every platform × environment whose edge we render, built with the given rendering. */
const CHARTS: readonly { readonly name: string; readonly build: (edge: EdgeRendering) => PlatformChart }[] = [
  ...EXPENSE_TRACKER_ENVIRONMENTS.map((environment) => ({
    name: `expense-tracker/${environment}`,
    build: (edge: EdgeRendering) => new ExpenseTrackerChart(new App(), `et-${environment}`, { environment, config: { ...EXPENSE_TRACKER_CONFIG[environment], edge } }),
  })),
  ...AIAAS_ENVIRONMENTS.map((environment) => ({
    name: `aiaas/${environment}`,
    build: (edge: EdgeRendering) => new AiaasChart(new App(), `aiaas-${environment}`, { environment, config: { ...AIAAS_CONFIG[environment], edge } }),
  })),
  ...AROTI_ENVIRONMENTS.map((environment) => ({
    name: `aroti/${environment}`,
    build: (edge: EdgeRendering) => new ArotiChart(new App(), `aroti-${environment}`, { environment, config: { ...AROTI_CONFIG[environment], edge } }),
  })),
  ...AURONTEK_ENVIRONMENTS.map((environment) => ({
    name: `aurontek/${environment}`,
    build: (edge: EdgeRendering) => new AurontekChart(new App(), `aurontek-${environment}`, { environment, config: { ...AURONTEK_CONFIG[environment], edge } }),
  })),
];

/** An exposure without the Secret's namespace: gateway-api keeps certificates next to the Gateway. */
const withoutTlsNamespace = (e: Exposed) => ({ ...e, tls: e.tls.split('/')[1] });

describe.each(CHARTS)('$name: one declaration, both renderings', ({ build }) => {
  const objectsBy = Object.fromEntries((['ingress-nginx', 'gateway-api', 'both'] as const).map((r) => [r, objectsOf(build(r))])) as Record<EdgeRendering, any[]>;

  test('the Ingresses and the Gateway API objects expose the same hosts, paths, backends, TLS and redirect', () => {
    const viaIngress = exposedByIngress(objectsBy['ingress-nginx']);
    expect(viaIngress.length).toBeGreaterThan(0);
    expect(exposedByGateway(objectsBy['ingress-nginx'])).toEqual([]);
    expect(exposedByIngress(objectsBy['gateway-api'])).toEqual([]);
    expect(exposedByGateway(objectsBy['gateway-api']).map(withoutTlsNamespace)).toEqual(viaIngress.map(withoutTlsNamespace));
    // Side by side, the Gateway serves the very Secrets the Ingresses' certificates are issued into.
    expect(exposedByIngress(objectsBy.both)).toEqual(viaIngress);
    expect(exposedByGateway(objectsBy.both)).toEqual(viaIngress);
  });

  test.each(['ingress-nginx', 'gateway-api', 'both'] as const)('the validation gate passes with %s', (rendering) => {
    expect(renderChart(build(rendering)).findings).toEqual([]);
  });

  test('both: every object name is unique per kind and namespace, so one Argo CD Application owns each', () => {
    const keys = objectsBy.both.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    // No Certificate of ours competes with the ones cert-manager's ingress-shim makes for the Ingresses.
    expect(objectsOfKind(objectsBy.both, 'Certificate').filter((c) => c.metadata.labels?.['platform.example.org/acme-http01-solver'])).toEqual([]);
  });
});

/** A chart with two namespaces: `web` (the Gateway's) and `auth` (a backend with large headers). */
function twoNamespaces(rendering: EdgeRendering) {
  const chart = testChart({ namespace: 'web' });
  new NamespaceBaseline(chart, 'ns-web', { name: 'web' });
  new NamespaceBaseline(chart, 'ns-auth', { name: 'auth' });
  const web = new Workload(chart, 'web', {
    image: 'ghcr.io/acme/web:1.0.0', ports: [{ name: 'http', port: 8080 }],
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    readiness: { http: { path: '/' } }, liveness: { http: { path: '/' } },
  });
  const auth = new Workload(chart, 'auth', {
    namespace: 'auth', image: 'ghcr.io/acme/auth:1.0.0', ports: [{ name: 'http', port: 8080 }],
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    readiness: { http: { path: '/' } }, liveness: { http: { path: '/' } },
  });
  const edge = new Edge(chart, 'Edge', {
    rendering,
    clusterIssuer: 'letsencrypt',
    hosts: [
      { host: 'www.example.com', name: 'web', paths: [{ backend: withEdgeRequirements(web, { maxRequestBodySize: '512Ki', timeoutSeconds: 120 }) }] },
      { host: 'auth.example.com', name: 'auth', paths: [{ backend: withEdgeRequirements(auth, { largeResponseHeaders: true }) }] },
    ],
  });
  return { chart, edge, objects: objectsOf(chart) };
}

const ENVOY = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
  podSelector: {
    matchLabels: {
      'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/managed-by': 'envoy-gateway',
      'gateway.envoyproxy.io/owning-gateway-name': 'edge', 'gateway.envoyproxy.io/owning-gateway-namespace': 'web',
    },
  },
};

describe('Edge (gateway-api)', () => {
  const { chart, objects } = twoNamespaces('gateway-api');

  test('one Gateway: an HTTP listener for the redirect and the ACME solver, an HTTPS listener per host admitting only its namespace', () => {
    const gateway = findObject(objects, 'Gateway', 'edge', 'web');
    expect(gateway.spec.gatewayClassName).toBe('envoy-gateway');
    expect(gateway.spec.listeners).toEqual([
      { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      {
        name: 'https-www-example-com', hostname: 'www.example.com', port: 443, protocol: 'HTTPS',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'www-example-com-tls' }] },
        allowedRoutes: { namespaces: { from: 'Same' } },
      },
      {
        name: 'https-auth-example-com', hostname: 'auth.example.com', port: 443, protocol: 'HTTPS',
        tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'auth-example-com-tls' }] },
        allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'auth' } } } },
      },
    ]);
    expect(findObject(objects, 'HTTPRoute', 'edge-https-redirect', 'web').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', sectionName: 'http' }],
      hostnames: ['auth.example.com', 'www.example.com'],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
  });

  test('a Certificate per host next to the Gateway, labelled for the Gateway API HTTP-01 solver, whose pods admit the proxies', () => {
    expect(objectsOfKind(objects, 'Certificate').map((c) => [c.metadata.namespace, c.metadata.name, c.spec.secretName, c.metadata.labels['platform.example.org/acme-http01-solver']]))
      .toEqual([['web', 'edge-www-example-com', 'www-example-com-tls', 'gateway-api'], ['web', 'edge-auth-example-com', 'auth-example-com-tls', 'gateway-api']]);
    expect(findObject(objects, 'NetworkPolicy', 'allow-acme-http01-solver', 'web').spec.ingress).toEqual([{ from: [ENVOY], ports: [{ port: 8089, protocol: 'TCP' }] }]);
  });

  test('routes live with their backends, attach to their host\'s listener, and carry the backend\'s timeout (nginx\'s 60 s by default)', () => {
    expect(findObject(objects, 'HTTPRoute', 'auth', 'auth').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'web', sectionName: 'https-auth-example-com' }],
      hostnames: ['auth.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'auth', port: 8080 }], timeouts: { request: '60s' } }],
    });
    expect(findObject(objects, 'HTTPRoute', 'web', 'web').spec.rules[0].timeouts).toEqual({ request: '120s' });
  });

  test('a body limit becomes a BackendTrafficPolicy on the route (413 above it); large headers need nothing on Envoy', () => {
    expect(findObject(objects, 'BackendTrafficPolicy', 'web', 'web').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }],
      requestBuffer: { limit: '512Ki' },
    });
    expect(objectsOfKind(objects, 'BackendTrafficPolicy')).toHaveLength(1);
  });

  test('a WebSocket backend keeps its upgrades: no request buffer on Envoy (v1.9.0 refuses upgrades behind one); nginx still limits the body', () => {
    for (const rendering of ['gateway-api', 'ingress-nginx'] as const) {
      const chart = testChart({ namespace: 'web' });
      new NamespaceBaseline(chart, 'ns-web', { name: 'web' });
      const chat = new Workload(chart, 'chat', {
        image: 'ghcr.io/acme/chat:1.0.0', ports: [{ name: 'http', port: 3000 }],
        resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
        readiness: { http: { path: '/' } }, liveness: { http: { path: '/' } },
      });
      new Edge(chart, 'Edge', {
        rendering, clusterIssuer: 'letsencrypt',
        hosts: [{ host: 'chat.example.com', name: 'chat', paths: [{ backend: withEdgeRequirements(chat, { maxRequestBodySize: '10Mi', timeoutSeconds: 3600, websockets: true }) }] }],
      });
      const objects = objectsOf(chart);
      if (rendering === 'gateway-api') {
        expect(objectsOfKind(objects, 'BackendTrafficPolicy')).toEqual([]);
        expect(findObject(objects, 'HTTPRoute', 'chat', 'web').spec.rules[0].timeouts).toEqual({ request: '3600s' });
      } else {
        expect(findObject(objects, 'Ingress', 'chat', 'web').metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('10m');
      }
      expect(renderChart(chart).findings).toEqual([]);
    }
  });

  test('each backend admits exactly this Gateway\'s Envoy proxies on the routed port; no ingress-nginx anywhere', () => {
    for (const [name, ns] of [['web', 'web'], ['auth', 'auth']]) {
      expect(findObject(objects, 'NetworkPolicy', name, ns).spec.ingress).toEqual([{ from: [ENVOY], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    }
    expect(JSON.stringify(objects)).not.toContain('ingress-nginx');
    expect(objectsOfKind(objects, 'Ingress')).toEqual([]);
  });

  test('the gate passes', () => {
    expect(renderChart(chart).findings).toEqual([]);
  });
});

describe('Edge (both)', () => {
  const { chart, objects } = twoNamespaces('both');

  test('the Gateway serves the Ingresses\' Secrets, across namespaces through a ReferenceGrant; no Certificates of its own', () => {
    const listener = findObject(objects, 'Gateway', 'edge', 'web').spec.listeners[2];
    expect(listener.tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'auth-example-com-tls', namespace: 'auth' }]);
    expect(findObject(objects, 'ReferenceGrant', 'edge-gateway-web', 'auth').spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'web' }],
      to: [{ group: '', kind: 'Secret', name: 'auth-example-com-tls' }],
    });
    // Gateway API v1.6.1 (Envoy Gateway v1.9.0) serves ReferenceGrant as v1; the edge renders the GA version.
    expect(findObject(objects, 'ReferenceGrant', 'edge-gateway-web', 'auth').apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(objectsOfKind(objects, 'Certificate')).toEqual([]);
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('the backend\'s requirements reach nginx as annotations on its own Ingress only', () => {
    expect(findObject(objects, 'Ingress', 'auth', 'auth').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffer-size']).toBe('128k');
    expect(findObject(objects, 'Ingress', 'web', 'web').metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-body-size': '512k',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '120',
    });
    expect(findObject(objects, 'Ingress', 'web', 'web').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffer-size']).toBeUndefined();
  });

  test('both data planes are admitted while both edges run', () => {
    const from = findObject(objects, 'NetworkPolicy', 'auth', 'auth').spec.ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(from.sort()).toEqual(['envoy-gateway-system', 'ingress-nginx']);
  });
});

describe('Edge: ExternalName backends and bad input', () => {
  test('an in-cluster ExternalName alias is routed to its target (Envoy Gateway rejects ExternalName), granted in the target namespace', () => {
    const chart = testChart({ namespace: 'web' });
    new NamespaceBaseline(chart, 'ns-web', { name: 'web' });
    const grafana = new ExternalNameService(chart, 'grafana', { externalName: 'grafana.monitoring.svc.cluster.local', ports: [{ name: 'http', port: 80 }] });
    new Edge(chart, 'Edge', { rendering: 'gateway-api', clusterIssuer: 'letsencrypt', hosts: [{ host: 'ops.example.com', name: 'ops', paths: [{ path: '/grafana', backend: grafana }] }] });
    const objects = objectsOf(chart);
    expect(findObject(objects, 'HTTPRoute', 'ops', 'web').spec.rules[0].backendRefs).toEqual([{ name: 'grafana', namespace: 'monitoring', port: 80 }]);
    expect(findObject(objects, 'ReferenceGrant', 'edge-httproute-web', 'monitoring').spec.to).toEqual([{ group: '', kind: 'Service', name: 'grafana' }]);
    expect(renderChart(chart).findings).toEqual([]);
  });

  const setup = () => {
    const chart = testChart();
    const api = new Workload(chart, 'api', {
      image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }],
      resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
      readiness: { http: { path: '/' } }, liveness: { http: { path: '/' } },
    });
    return { chart, api };
  };

  test.each([
    ['an unknown rendering', (api: Workload) => ({ rendering: 'traefik' as EdgeRendering, hosts: [{ host: 'a.example.com', name: 'a', paths: [{ backend: api }] }] }), /rendering.*must be one of gateway-api, ingress-nginx, both/],
    ['a host twice', (api: Workload) => ({ rendering: 'gateway-api' as const, hosts: [{ host: 'a.example.com', name: 'a', paths: [{ backend: api }] }, { host: 'a.example.com', name: 'b', paths: [{ backend: api }] }] }), /hosts\[\]\.host/],
    ['a body size that is not a byte quantity', (api: Workload) => ({ rendering: 'gateway-api' as const, hosts: [{ host: 'a.example.com', name: 'a', paths: [{ backend: withEdgeRequirements(api, { maxRequestBodySize: '10 MB' }) }] }] }), /maxRequestBodySize.*10 MB.*whole byte quantity/],
    ['a zero timeout', (api: Workload) => ({ rendering: 'ingress-nginx' as const, hosts: [{ host: 'a.example.com', name: 'a', paths: [{ backend: withEdgeRequirements(api, { timeoutSeconds: 0 }) }] }] }), /timeoutSeconds.*between 1 and 86400/],
  ])('rejects %s at construction, naming the prop', (_, props, message) => {
    const { chart, api } = setup();
    expect(() => new Edge(chart, 'Edge', { clusterIssuer: 'letsencrypt', ...props(api) })).toThrow(message);
  });
});
