import { App } from 'cdk8s';
import { AROTI_CONFIG, AROTI_ENVIRONMENTS, AROTI_SYNC_WAVES, aroti, ArotiChart, ArotiConfig, ArotiEnvironment } from '../../charts/aroti';
import { PLATFORMS } from '../../charts';
import { renderChart } from '../../lib/render/synth';
import { acmeHttp01Solvers } from '../../lib/networking/edge';
import { exposed } from '../edge-util';
import { findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

function build(environment: ArotiEnvironment, config?: ArotiConfig): { chart: ArotiChart; objects: any[] } {
  const chart = new ArotiChart(new App(), `aroti-${environment}`, { environment, config });
  return { chart, objects: objectsOf(chart) };
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** `namespace/name` of each peer of one side of a NetworkPolicy, with its ports. */
function peersOf(policy: any, side: 'ingress' | 'egress'): string[] {
  return (policy.spec[side] ?? []).flatMap((rule: any) => (rule.from ?? rule.to).map((peer: any) => {
    const ns = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? policy.metadata.namespace;
    if (peer.ipBlock) return `${peer.ipBlock.cidr}:${(rule.ports ?? []).map((p: any) => p.port).join(',')}`;
    const name = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? '*';
    return `${ns}/${name}:${(rule.ports ?? []).map((p: any) => p.port).join(',')}`;
  })).sort();
}

function wave(object: any): number {
  return Number(object.metadata.annotations['argocd.argoproj.io/sync-wave']);
}

describe.each(AROTI_ENVIRONMENTS)('aroti %s', (environment) => {
  const config = AROTI_CONFIG[environment];
  const { chart, objects } = build(environment);
  /** The edge's data plane as peersOf names it. */
  const edge = config.edge === 'ingress-nginx' ? 'ingress-nginx/ingress-nginx' : 'envoy-gateway-system/envoy';
  const edgeKind = config.edge === 'gateway-api' ? 'HTTPRoute' : 'Ingress';

  test('is registered as a platform', () => {
    expect(aroti.name).toBe('aroti');
    expect(aroti.environments).toEqual(['staging', 'production']);
    // Registered wrapped with its alerts and dashboard (charts/observability.ts): same name and environments.
    expect(PLATFORMS.some((p) => p.name === aroti.name && p.environments === aroti.environments)).toBe(true);
  });

  test('four namespaces, each restricted with default-deny and DNS egress', () => {
    for (const ns of ['aroti', 'database', 'keycloak', 'temporal']) {
      const namespace = findObject(objects, 'Namespace', ns);
      expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(findObject(objects, 'NetworkPolicy', 'default-deny', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(findObject(objects, 'NetworkPolicy', 'allow-dns-egress', ns).spec.policyTypes).toEqual(['Egress']);
    }
  });

  test('Services resolve to the document\'s DNS names and ports', () => {
    const service = (namespace: string, name: string) => findObject(objects, 'Service', name, namespace).spec.ports.map((p: any) => p.port);
    expect(service('database', 'postgres')).toEqual([5432]);
    expect(service('aroti', 'redis')).toEqual([6379]);
    expect(service('keycloak', 'keycloak')).toEqual([8080]);
    expect(service('temporal', 'temporal-frontend')).toEqual([7233]);
    expect(service('temporal', 'temporal-web')).toEqual([8080]);
    expect(service('aroti', 'aroti-backend-api')).toEqual([8888]);
    expect(findObject(objects, 'Service', 'aroti-backend-api', 'aroti').spec.type).toBe('ClusterIP');
    expect(chart.postgres.host).toBe('postgres.database.svc.cluster.local');
    expect(chart.redis.serviceHost).toBe('redis.aroti.svc.cluster.local');
    expect(chart.keycloak.workload.serviceHost).toBe('keycloak.keycloak.svc.cluster.local');
    expect(chart.temporal.frontendAddress).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
  });

  test('backend API: port 8888, resources, migration, probes, HPA 2–N on CPU 70 % (no memory target), PDB', () => {
    const api = findObject(objects, 'Deployment', 'aroti-backend-api', 'aroti');
    expect(api.spec.replicas).toBeUndefined();
    expect(api.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('aroti-backend-api');
    const c = mainContainer(api);
    expect(c.image).toBe(config.backend.image);
    expect(c.image).toMatch(/^ghcr\.io\/aroti\/aroti-backend-api:\d+\.\d+\.\d+$/);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8888, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 30 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 12 });
    const init = api.spec.template.spec.initContainers;
    expect(init).toHaveLength(1);
    expect(init[0]).toMatchObject({ name: 'migrate', image: config.backend.image, command: ['alembic', 'upgrade', 'head'] });
    const env = envOf(c);
    expect(env).toMatchObject({
      DB_HOST: 'postgres.database.svc.cluster.local', DB_PORT: '5432', DB_NAME: 'aroti', DB_USER: 'aroti',
      DB_PASSWORD: { secretKeyRef: { name: 'postgres-secret', key: 'aroti-password' } },
      REDIS_HOST: 'redis.aroti.svc.cluster.local', REDIS_PORT: '6379', REDIS_PASSWORD: { secretKeyRef: { name: 'redis-secret', key: 'password' } },
      KEYCLOAK_URL: 'http://keycloak.keycloak.svc.cluster.local:8080',
      KEYCLOAK_ISSUER: `https://${config.hosts.auth}/realms/aroti`,
      KEYCLOAK_CLIENT_ID: 'aroti-backend',
      KEYCLOAK_CLIENT_SECRET: { secretKeyRef: { name: 'aroti-backend-secrets', key: 'keycloak-client-secret' } },
      TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233',
      TEMPORAL_NAMESPACE: 'default',
    });
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'aroti-backend-api', 'aroti');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'aroti-backend-api' });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(environment === 'production' ? 10 : 4);
    const targets = Object.fromEntries(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]));
    // The document also lists memory 80 %, left out: a Python API keeps its peak memory, so the HPA would sit at max.
    expect(targets).toEqual({ cpu: 70 });
    expect(findObject(objects, 'PodDisruptionBudget', 'aroti-backend-api', 'aroti').spec.maxUnavailable).toBe(1);
  });

  test('Temporal worker: the API\'s image with the worker command, no Service', () => {
    const worker = findObject(objects, 'Deployment', 'aroti-backend-api-temporal-worker', 'aroti');
    const c = mainContainer(worker);
    expect(c.image).toBe(config.backend.image);
    expect(c.command).toEqual(['python', '-m', 'app.workflows.worker']);
    // The worker reaches neither Redis nor Keycloak, so it holds none of their credentials.
    const names = c.env.map((e: any) => e.name);
    expect(names).not.toEqual(expect.arrayContaining(['REDIS_PASSWORD']));
    expect(names.filter((n: string) => /^REDIS_|^KEYCLOAK_/.test(n))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'DB_HOST']));
    expect(worker.spec.replicas).toBe(config.backend.worker.replicas);
    expect(envOf(c).TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    expect(objectsOfKind(objects, 'Service').some((s) => s.metadata.name.includes('worker'))).toBe(false);
    expect(worker.metadata.annotations['policy-exemption.platform/practice.probes']).toMatch(/reschedules the tasks of a dead worker/);
  });

  test('PostgreSQL 15 with a ReadWriteOnce volume and the aroti, keycloak, temporal and temporal_visibility databases', () => {
    const sts = findObject(objects, 'StatefulSet', 'postgres', 'database');
    expect(mainContainer(sts).image).toMatch(/^postgres:15\.\d+/);
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: environment === 'production' ? '20Gi' : '10Gi' } },
    });
    const sql: string = findObject(objects, 'ConfigMap', 'postgres-initdb', 'database').data['10-databases.sql'];
    for (const db of ['aroti', 'keycloak', 'temporal', 'temporal_visibility']) expect(sql).toContain(`CREATE DATABASE %I OWNER %I', '${db}'`);
    expect(envOf(mainContainer(sts)).POSTGRES_PASSWORD_FILE).toBe('/etc/postgres/secrets/postgres-secret/postgres-password');
  });

  test('Redis: 256 MB, allkeys-lru, no AOF or RDB forks on its emptyDir, password from a Secret', () => {
    const conf: string = findObject(objects, 'ConfigMap', 'redis-config', 'aroti').data['redis.conf'];
    expect(conf).toContain(`maxmemory ${256 * 1024 * 1024}\n`);
    expect(conf).toContain('maxmemory-policy allkeys-lru\n');
    // The 384Mi limit has room for buffers and fragmentation, not for an AOF-rewrite fork (2 × maxmemory).
    expect(conf).toContain('appendonly no\n');
    expect(conf).toContain('save ""\n');
    expect(chart.redis.usage).toBe('cache');
    const sts = findObject(objects, 'StatefulSet', 'redis', 'aroti');
    expect(sts.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ name: 'password', secret: expect.objectContaining({ secretName: 'redis-secret' }) }));
  });

  test('Keycloak: probes on the management port 9000, which no Service behind an Ingress exposes', () => {
    const deployment = findObject(objects, 'Deployment', 'keycloak', 'keycloak');
    const c = mainContainer(deployment);
    const portNumber = (name: string) => c.ports.find((p: any) => p.name === name).containerPort;
    for (const [probe, path] of [['startupProbe', '/health/started'], ['readinessProbe', '/health/ready'], ['livenessProbe', '/health/live']]) {
      expect(c[probe].httpGet.path).toBe(path);
      expect(portNumber(c[probe].httpGet.port)).toBe(9000);
    }
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300);
    expect(c.image).toBe('quay.io/keycloak/keycloak:26.0.7');
    expect(c.args).toEqual(['start', '--import-realm']);
    expect(envOf(c)).toMatchObject({
      KC_DB: 'postgres', KC_DB_URL_HOST: 'postgres.database.svc.cluster.local', KC_DB_URL_PORT: '5432', KC_DB_URL_DATABASE: 'keycloak',
      KC_DB_USERNAME: 'keycloak', KC_DB_PASSWORD: { secretKeyRef: { name: 'postgres-secret', key: 'keycloak-password' } },
      KC_BOOTSTRAP_ADMIN_USERNAME: { secretKeyRef: { name: 'keycloak-secret', key: 'admin-username' } },
      KC_BOOTSTRAP_ADMIN_PASSWORD: { secretKeyRef: { name: 'keycloak-secret', key: 'admin-password' } },
      KC_HOSTNAME: `https://${config.hosts.auth}`, KC_PROXY_HEADERS: 'xforwarded', KC_HTTP_ENABLED: 'true',
      KC_HEALTH_ENABLED: 'true', KC_METRICS_ENABLED: 'true', KC_CACHE: config.keycloak.cache,
    });
    expect(deployment.spec.replicas).toBe(config.keycloak.replicas);
    if (config.keycloak.replicas > 1) {
      expect(envOf(c).KC_CACHE_STACK).toBe('kubernetes');
      expect(findObject(objects, 'Service', 'keycloak-jgroups', 'keycloak').spec.clusterIP).toBe('None');
    }
    expect(exposed(objects, config.edge).map((e) => e.backend)).not.toContainEqual(expect.stringMatching(/:9000$/));
    for (const service of objectsOfKind(objects, 'Service').filter((s) => s.metadata.namespace === 'keycloak' && s.spec.clusterIP !== 'None')) {
      expect(service.spec.ports.map((p: any) => p.port)).not.toContain(9000);
    }
  });

  test('Keycloak realm aroti: aroti-ios public with PKCE S256, aroti-backend confidential with a placeholder secret', () => {
    const realm = JSON.parse(findObject(objects, 'ConfigMap', 'keycloak-realms', 'keycloak').data['aroti-realm.json']);
    expect(realm.realm).toBe('aroti');
    const ios = realm.clients.find((c: any) => c.clientId === 'aroti-ios');
    expect(ios).toMatchObject({ publicClient: true, attributes: { 'pkce.code.challenge.method': 'S256' }, redirectUris: config.keycloak.iosClient.redirectUris });
    const backend = realm.clients.find((c: any) => c.clientId === 'aroti-backend');
    expect(backend.publicClient).toBe(false);
    expect(backend.secret).toBe('${AROTI_BACKEND_CLIENT_SECRET}');
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'keycloak', 'keycloak'))).AROTI_BACKEND_CLIENT_SECRET).toEqual({
      secretKeyRef: { name: 'keycloak-secret', key: 'aroti-backend-client-secret' },
    });
  });

  test('Temporal: auto-setup on PostgreSQL, the Web UI pointed at the frontend', () => {
    const server = mainContainer(findObject(objects, 'Deployment', 'temporal-server', 'temporal'));
    expect(server.image).toBe('temporalio/auto-setup:1.22.4');
    expect(envOf(server)).toMatchObject({
      DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: 'postgres.database.svc.cluster.local', POSTGRES_USER: 'temporal',
      POSTGRES_PWD: { secretKeyRef: { name: 'postgres-secret', key: 'temporal-password' } }, DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility',
    });
    expect(server.readinessProbe.tcpSocket.port).toBe('grpc');
    const ui = mainContainer(findObject(objects, 'Deployment', 'temporal-web', 'temporal'));
    expect(ui.image).toBe('temporalio/ui:2.21.3');
    expect(envOf(ui).TEMPORAL_ADDRESS).toBe('temporal-frontend.temporal.svc.cluster.local:7233');
    expect(ui.readinessProbe.httpGet).toMatchObject({ path: '/', port: 'http' });
  });

  test('the edge: one host per namespace, each with TLS from letsencrypt-prod to the right Service and port', () => {
    expect(config.edge).toBe(environment === 'production' ? 'ingress-nginx' : 'gateway-api');
    // gateway-api keeps the certificates next to the Gateway (namespace aroti); Ingresses keep them in their own namespace.
    const tls = (ns: string, host: string) => `${config.edge === 'gateway-api' ? 'aroti' : ns}/${host.replace(/\./g, '-')}-tls`;
    const route = (host: string, backend: string, ns: string) => ({ host, path: '/', pathType: 'Prefix', backend, tls: tls(ns, host), http: 'redirect-to-https' });
    expect(exposed(objects, config.edge)).toEqual([
      route(config.hosts.api, 'aroti/aroti-backend-api:8888', 'aroti'),
      route(config.hosts.auth, 'keycloak/keycloak:8080', 'keycloak'),
      route(config.hosts.temporal, 'temporal/temporal-web:8080', 'temporal'),
    ]);
    for (const ingress of objectsOfKind(objects, 'Ingress')) expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
    for (const certificate of objectsOfKind(objects, 'Certificate')) expect(certificate.spec.issuerRef.name).toBe('letsencrypt-prod');
    // aroti has its own cluster, so it owns the Let's Encrypt production issuer its edge names.
    const issuer = findObject(objects, 'ClusterIssuer', 'letsencrypt-prod');
    expect(issuer.spec.acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(issuer.spec.acme.solvers).toEqual(JSON.parse(JSON.stringify(acmeHttp01Solvers()).replace('gatewayHttpRoute', 'gatewayHTTPRoute')));
    expect(chart.externalReferences).not.toContainEqual(expect.objectContaining({ kind: 'ClusterIssuer' }));
  });

  test('Keycloak brings its own edge settings: a 128k proxy buffer on nginx, nothing to add on Envoy', () => {
    const both = build(environment, { ...config, edge: 'both' }).objects;
    expect(findObject(both, 'Ingress', 'keycloak', 'keycloak').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffer-size']).toBe('128k');
    // Only Keycloak's Ingress gets it: the requirement belongs to the backend, not to the chart.
    expect(findObject(both, 'Ingress', 'aroti-backend-api', 'aroti').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffer-size']).toBeUndefined();
    expect(findObject(both, 'HTTPRoute', 'keycloak', 'keycloak').spec.rules[0].timeouts).toEqual({ request: '60s' });
  });

  test('network policies admit exactly the document\'s connections', () => {
    const policy = (namespace: string, name: string) => findObject(objects, 'NetworkPolicy', name, namespace);
    expect(peersOf(policy('database', 'postgres'), 'ingress')).toEqual([
      'aroti/aroti-backend-api-temporal-worker:5432', 'aroti/aroti-backend-api:5432', 'keycloak/keycloak:5432', 'temporal/temporal-server:5432',
    ]);
    expect(peersOf(policy('database', 'postgres'), 'egress')).toEqual([]);
    // Only the API reaches Redis: not the worker.
    expect(peersOf(policy('aroti', 'redis'), 'ingress')).toEqual(['aroti/aroti-backend-api:6379']);
    expect(peersOf(policy('aroti', 'redis'), 'egress')).toEqual([]);
    expect(peersOf(policy('aroti', 'aroti-backend-api'), 'ingress')).toEqual([`${edge}:8888`]);
    expect(peersOf(policy('aroti', 'aroti-backend-api'), 'egress')).toEqual([
      'aroti/redis:6379', 'database/postgres:5432', 'keycloak/keycloak:8080', 'temporal/temporal-server:7233',
    ]);
    expect(peersOf(policy('aroti', 'aroti-backend-api-temporal-worker'), 'ingress')).toEqual([]);
    expect(peersOf(policy('aroti', 'aroti-backend-api-temporal-worker'), 'egress')).toEqual(['database/postgres:5432', 'temporal/temporal-server:7233']);
    const keycloakCluster = config.keycloak.cache === 'ispn' ? ['keycloak/keycloak:7800,57800'] : [];
    expect(peersOf(policy('keycloak', 'keycloak'), 'ingress')).toEqual(
      ['aroti/aroti-backend-api:8080', `${edge}:8080`, 'temporal/temporal-web:8080', ...keycloakCluster].sort());
    expect(peersOf(policy('keycloak', 'keycloak'), 'egress')).toEqual(['database/postgres:5432', ...keycloakCluster].sort());
    const internal = 'temporal/temporal-server:6933,6934,6935,6939,7234,7235,7239';
    expect(peersOf(policy('temporal', 'temporal-server'), 'ingress')).toEqual([
      'aroti/aroti-backend-api-temporal-worker:7233', 'aroti/aroti-backend-api:7233', internal, 'temporal/temporal-web:7233',
    ]);
    expect(peersOf(policy('temporal', 'temporal-server'), 'egress')).toEqual(['database/postgres:5432', internal]);
    expect(peersOf(policy('temporal', 'temporal-web'), 'ingress')).toEqual([`${edge}:8080`]);
    // Besides the server, the Web UI reaches only Keycloak's Service (OIDC discovery and token exchange), nothing on the
    // internet: auth.<domain> resolves to this cluster's own load balancer, which an internet-only rule never admits.
    expect(peersOf(policy('temporal', 'temporal-web'), 'egress')).toEqual(['keycloak/keycloak:8080', 'temporal/temporal-server:7233']);
  });

  test('the public Temporal Web UI requires a staff-realm Keycloak login, discovered inside the cluster; its client secret is a placeholder', () => {
    const ui = mainContainer(findObject(objects, 'Deployment', 'temporal-web', 'temporal'));
    const env = Object.fromEntries(ui.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.TEMPORAL_AUTH_ENABLED).toBe('true');
    // Discovery from Keycloak's Service (the UI exits if it fails); tokens carry the public issuer.
    expect(env.TEMPORAL_AUTH_PROVIDER_URL).toBe('http://keycloak.keycloak.svc.cluster.local:8080/realms/aroti-staff');
    expect(env.TEMPORAL_AUTH_ISSUER_URL).toBe(`https://${config.hosts.auth}/realms/aroti-staff`);
    expect(env.TEMPORAL_AUTH_CALLBACK_URL).toBe(`https://${config.hosts.temporal}/auth/sso/callback`);
    expect(env.TEMPORAL_AUTH_CLIENT_SECRET).toEqual({ secretKeyRef: { name: 'temporal-ui-oidc', key: 'client-secret' } });
    expect(env.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('false');
    const realms = findObject(objects, 'ConfigMap', 'keycloak-realms', 'keycloak').data;
    const clientsOf = (realm: string) => JSON.parse(realms[`${realm}-realm.json`]).clients.map((c: any) => c.clientId);
    // App users (realm aroti) have no temporal-ui client: only staff accounts can open the UI.
    expect(clientsOf('aroti')).not.toContain('temporal-ui');
    expect(clientsOf('aroti-staff')).toEqual(['temporal-ui']);
    const client = JSON.parse(realms['aroti-staff-realm.json']).clients[0];
    expect(client).toMatchObject({ publicClient: false, secret: '${TEMPORAL_UI_CLIENT_SECRET}', redirectUris: [`https://${config.hosts.temporal}/auth/sso/callback`] });
  });

  test('PostgreSQL max_connections holds every declared pool: API at its HPA maximum, worker, Keycloak (capped pool), Temporal', () => {
    expect(mainContainer(findObject(objects, 'StatefulSet', 'postgres', 'database')).args).toEqual(['-c', `max_connections=${config.postgres.maxConnections}`]);
    const kcEnv = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'keycloak', 'keycloak')).env.map((e: any) => [e.name, e.value]));
    expect(kcEnv.KC_DB_POOL_MAX_SIZE).toBe('20');
    const r = chart.postgres.connectionReservations;
    const b = config.backend;
    expect(r).toEqual({
      [`aroti-${environment}/Backend/Resource`]: 15 * b.autoscaling.maxReplicas,
      [`aroti-${environment}/Backend/Worker-temporal-worker`]: 15 * b.worker.replicas,
      [`aroti-${environment}/Keycloak`]: 20 * config.keycloak.replicas,
      [`aroti-${environment}/Temporal/Server`]: 30,
    });
    const total = Object.values(r).reduce((x, y) => x + y, 0);
    expect(total + 3).toBeLessThanOrEqual(config.postgres.maxConnections);
  });

  test('Temporal: explicit history shards (512 in production), retention, no test search attributes', () => {
    const env = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'temporal-server', 'temporal')).env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      NUM_HISTORY_SHARDS: environment === 'production' ? '512' : '4', DEFAULT_NAMESPACE_RETENTION: '168h', SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true',
    });
  });

  test('sync waves follow the deployment order: namespaces, PostgreSQL, Redis, Keycloak, Temporal, API, worker', () => {
    const order = [
      wave(findObject(objects, 'Namespace', 'aroti')),
      wave(findObject(objects, 'NetworkPolicy', 'default-deny', 'database')),
      wave(findObject(objects, 'StatefulSet', 'postgres', 'database')),
      wave(findObject(objects, 'StatefulSet', 'redis', 'aroti')),
      wave(findObject(objects, 'Deployment', 'keycloak', 'keycloak')),
      wave(findObject(objects, 'Deployment', 'temporal-server', 'temporal')),
      wave(findObject(objects, 'Deployment', 'aroti-backend-api', 'aroti')),
      wave(findObject(objects, 'Deployment', 'aroti-backend-api-temporal-worker', 'aroti')),
    ];
    const w = AROTI_SYNC_WAVES;
    expect(order).toEqual([w.foundation, w.foundation, w.postgres, w.redis, w.keycloak, w.temporal, w.api, w.worker]);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(wave(findObject(objects, edgeKind, 'keycloak', 'keycloak'))).toBe(w.keycloak);
    expect(wave(findObject(objects, edgeKind, 'temporal-web', 'temporal'))).toBe(w.temporal);
    expect(wave(findObject(objects, edgeKind, 'aroti-backend-api', 'aroti'))).toBe(w.api);
    expect(objects.every((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toBe(true);
  });

  test('no plaintext secrets: no Secret objects, secret-looking env only from Secrets', () => {
    expect(objectsOfKind(objects, 'Secret')).toHaveLength(0);
    const externalSecrets = chart.externalReferences.filter((r) => r.kind === 'Secret').map((r) => `${r.namespace}/${r.name}`).sort();
    expect(externalSecrets).toEqual([
      'aroti/aroti-backend-secrets', 'aroti/postgres-secret', 'aroti/redis-secret', 'database/postgres-secret',
      'keycloak/keycloak-secret', 'keycloak/postgres-secret', 'temporal/postgres-secret', 'temporal/temporal-ui-oidc',
    ]);
    for (const w of [...objectsOfKind(objects, 'Deployment'), ...objectsOfKind(objects, 'StatefulSet')]) {
      for (const c of [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|PWD/.test(e.name) && !/_FILE$/.test(e.name)) expect(e.valueFrom?.secretKeyRef).toBeDefined();
        }
      }
    }
  });

  test('passes the validation gate; only the worker\'s probes are exempted', () => {
    const rendered = renderChart(chart);
    expect(rendered.findings).toEqual([]);
    expect(rendered.exempted.length).toBeGreaterThan(0);
    expect(rendered.exempted.map((f) => `${f.rule} ${f.kind}/${f.name}`)).toEqual(
      rendered.exempted.map(() => 'practice/probes Deployment/aroti-backend-api-temporal-worker'));
  });

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });
});

describe('aroti variants', () => {
  test('Temporal in production mode: temporalio/server with a schema Job as a Sync hook between PostgreSQL and the server', () => {
    const base = AROTI_CONFIG.production;
    const { chart, objects } = build('production', { ...base, temporal: { ...base.temporal, mode: 'production', serverImage: 'temporalio/server:1.22.4' } });
    expect(mainContainer(findObject(objects, 'Deployment', 'temporal-server', 'temporal')).image).toBe('temporalio/server:1.22.4');
    const job = findObject(objects, 'Job', 'temporal-schema', 'temporal');
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': String(AROTI_SYNC_WAVES.temporalSchema),
    });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(AROTI_SYNC_WAVES.postgres).toBeLessThan(AROTI_SYNC_WAVES.temporalSchema);
    expect(AROTI_SYNC_WAVES.temporalSchema).toBeLessThan(AROTI_SYNC_WAVES.temporal);
    expect(peersOf(findObject(objects, 'NetworkPolicy', 'postgres', 'database'), 'ingress')).toContain('temporal/temporal-schema:5432');
    // temporalio/server registers no namespace: a PostSync Job registers the one the workers poll.
    const register = findObject(objects, 'Job', 'temporal-namespace', 'temporal');
    expect(register.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    expect(register.spec.template.spec.containers[0].env).toContainEqual({ name: 'TEMPORAL_NAMESPACE', value: 'default' });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('a ClusterIssuer of our own is rendered in the first wave when asked', () => {
    const base = AROTI_CONFIG.production;
    const { chart, objects } = build('production', { ...base, clusterIssuer: { ...base.clusterIssuer, render: true, email: 'ops@example.com' } });
    const issuer = findObject(objects, 'ClusterIssuer', 'letsencrypt-prod');
    expect(issuer.spec.acme).toMatchObject({
      server: 'https://acme-v02.api.letsencrypt.org/directory', email: 'ops@example.com',
    });
    expect(issuer.spec.acme.solvers[0]).toEqual({ http01: { ingress: { ingressClassName: 'nginx' } } });
    expect(wave(issuer)).toBe(AROTI_SYNC_WAVES.foundation);
    expect(renderChart(chart).findings).toEqual([]);
  });
});
