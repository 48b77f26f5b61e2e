import { ExistingSecret, Keycloak, KeycloakProps, NamespaceBaseline, Peer, PlatformChart, Postgres } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../../util';

const ADMIN_PASSWORD = { secretName: 'keycloak-secret', key: 'admin-password' };
const BACKEND_SECRET = { secretName: 'keycloak-secret', key: 'aroti-backend-client-secret' };

/** A chart with the keycloak and database namespaces, the Secrets declared, and a Postgres with a keycloak database. */
function setup(): { chart: PlatformChart; postgres: Postgres } {
  const chart = testChart({ namespace: 'keycloak' });
  new NamespaceBaseline(chart, 'ns-keycloak', { name: 'keycloak' });
  new NamespaceBaseline(chart, 'ns-database', { name: 'database' });
  new ExistingSecret(chart, 'postgres-secret', { name: 'postgres-secret', namespace: 'database', managedBy: 'test' });
  new ExistingSecret(chart, 'keycloak-db-database', { name: 'keycloak-db', namespace: 'database', managedBy: 'test' });
  new ExistingSecret(chart, 'keycloak-db-keycloak', { name: 'keycloak-db', namespace: 'keycloak', managedBy: 'test' });
  new ExistingSecret(chart, 'keycloak-secret', { name: 'keycloak-secret', namespace: 'keycloak', managedBy: 'test' });
  const postgres = new Postgres(chart, 'postgres', {
    namespace: 'database',
    credentials: { username: 'postgres', password: { secretName: 'postgres-secret', key: 'password' } },
    databases: [{ name: 'keycloak', owner: 'keycloak', ownerPassword: { secretName: 'keycloak-db', key: 'password' } }],
  });
  return { chart, postgres };
}

function minimalProps(postgres: Postgres): KeycloakProps {
  return { hostname: 'auth.example.com', database: postgres, bootstrapAdminUsername: 'admin', bootstrapAdminPassword: ADMIN_PASSWORD };
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('Keycloak', () => {
  test('minimal props: production start on PostgreSQL, probes on the management port, one replica with a local cache', () => {
    const { chart, postgres } = setup();
    new Keycloak(chart, 'Keycloak', minimalProps(postgres));
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'keycloak', 'keycloak');
    expect(deployment.spec.replicas).toBe(1);
    const c = mainContainer(deployment);
    expect(c.image).toBe('quay.io/keycloak/keycloak:26.0.7');
    expect(c.args).toEqual(['start']);
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'management', containerPort: 9000, protocol: 'TCP' },
    ]);
    const env = envOf(c);
    expect(env).toMatchObject({
      KC_DB: 'postgres',
      KC_DB_URL_HOST: 'postgres.database.svc.cluster.local',
      KC_DB_URL_PORT: '5432',
      KC_DB_URL_DATABASE: 'keycloak',
      KC_DB_USERNAME: 'keycloak',
      KC_DB_PASSWORD: { secretKeyRef: { name: 'keycloak-db', key: 'password' } },
      // Capped (Keycloak's default is 100 per pod) and declared to the database's connection budget.
      KC_DB_POOL_MAX_SIZE: '20',
      KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: { secretKeyRef: { name: 'keycloak-secret', key: 'admin-password' } },
      KC_HOSTNAME: 'https://auth.example.com',
      KC_PROXY_HEADERS: 'xforwarded',
      KC_HTTP_ENABLED: 'true',
      KC_HEALTH_ENABLED: 'true',
      KC_METRICS_ENABLED: 'true',
      KC_CACHE: 'local',
    });
    expect(env.KC_CACHE_STACK).toBeUndefined();
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health/started', port: 'management' }, periodSeconds: 10, failureThreshold: 30 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready', port: 'management' }, periodSeconds: 10 });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health/live', port: 'management' }, periodSeconds: 10 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/opt/keycloak/data', '/opt/keycloak/lib/quarkus', '/tmp']);
    // Not optimized: Keycloak re-augments into lib/quarkus, an emptyDir seeded from the image.
    const init = deployment.spec.template.spec.initContainers;
    expect(init).toHaveLength(1);
    expect(init[0]).toMatchObject({ name: 'seed-quarkus', image: 'quay.io/keycloak/keycloak:26.0.7', command: ['/bin/sh', '-c', 'cp -R /opt/keycloak/lib/quarkus/. /seed/quarkus/'] });
    expect(init[0].volumeMounts).toContainEqual({ name: 'keycloak-quarkus', mountPath: '/seed/quarkus' });

    // The Service routes only the HTTP port; the management port stays inside the pod's network policy.
    const service = findObject(objects, 'Service', 'keycloak', 'keycloak');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(objectsOfKind(objects, 'Service').some((s) => s.metadata.namespace === 'keycloak' && s.spec.ports.some((p: any) => p.port === 9000))).toBe(false);
    expect(objectsOfKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
    expect(objectsOfKind(objects, 'ConfigMap').filter((c) => c.metadata.namespace === 'keycloak')).toHaveLength(0);

    // Keycloak → PostgreSQL on 5432, both sides.
    const kcPolicy = findObject(objects, 'NetworkPolicy', 'keycloak', 'keycloak');
    expect(kcPolicy.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'database' } }, podSelector: { matchLabels: postgres.workload.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
    const pgPolicy = findObject(objects, 'NetworkPolicy', 'postgres', 'database');
    expect(pgPolicy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keycloak' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keycloak', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props: clustered, optimized, realm import, ServiceMonitor on the management Service', () => {
    const { chart, postgres } = setup();
    const props: Required<KeycloakProps> = {
      name: 'keycloak',
      namespace: 'keycloak',
      image: 'registry.example.com/keycloak-optimized:26.0.7-1',
      optimized: true,
      hostname: 'auth.example.com',
      database: postgres,
      databaseName: 'keycloak',
      dbPoolMaxSize: 30,
      bootstrapAdminUsername: { secretName: 'keycloak-secret', key: 'admin-username' },
      bootstrapAdminPassword: ADMIN_PASSWORD,
      replicas: 2,
      cache: 'ispn',
      realms: [{
        name: 'aroti',
        displayName: 'Aroti',
        publicClients: [{ clientId: 'aroti-ios', redirectUris: ['com.aroti.app:/oauth2redirect'], webOrigins: ['https://app.example.com'] }],
        confidentialClients: [{ clientId: 'aroti-backend', secret: BACKEND_SECRET, redirectUris: [], serviceAccountsEnabled: true }],
      }],
      resources: { cpuRequest: '1', memoryRequest: '1536Mi', memoryLimit: '2Gi', cpuLimit: '2' },
      startupBudgetSeconds: 600,
      backchannelDynamic: false,
      serviceMonitor: { labels: { release: 'kube-prometheus-stack' }, interval: '15s', prometheus: Peer.namespace('observability') },
    };
    const keycloak = new Keycloak(chart, 'Keycloak', props);
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'keycloak', 'keycloak');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.initContainers).toBeUndefined();
    const c = mainContainer(deployment);
    expect(c.args).toEqual(['start', '--optimized', '--import-realm']);
    expect(c.resources).toEqual({ requests: { cpu: '1', memory: '1536Mi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(c.startupProbe.failureThreshold).toBe(60);
    const env = envOf(c);
    expect(postgres.connectionReservations).toEqual({ 'test/Keycloak': 60 });
    expect(env).toMatchObject({
      KC_DB_POOL_MAX_SIZE: '30',
      KC_CACHE: 'ispn',
      KC_CACHE_STACK: 'kubernetes',
      JAVA_OPTS_APPEND: '-Djgroups.dns.query=keycloak-jgroups.keycloak.svc.cluster.local',
      KC_HOSTNAME_BACKCHANNEL_DYNAMIC: 'false',
      KC_BOOTSTRAP_ADMIN_USERNAME: { secretKeyRef: { name: 'keycloak-secret', key: 'admin-username' } },
      AROTI_BACKEND_CLIENT_SECRET: { secretKeyRef: { name: 'keycloak-secret', key: 'aroti-backend-client-secret' } },
    });
    expect(c.volumeMounts).toContainEqual({ name: 'config-realms', mountPath: '/opt/keycloak/data/import', readOnly: true });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).not.toContain('/opt/keycloak/lib/quarkus');

    // JGroups: a headless Service for DNS_PING and 7800/57800 open between Keycloak pods only.
    const jgroups = findObject(objects, 'Service', 'keycloak-jgroups', 'keycloak');
    expect(jgroups.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true, selector: keycloak.workload.selectorLabels });
    expect(jgroups.spec.ports).toEqual([{ name: 'jgroups', port: 7800, targetPort: 'jgroups', protocol: 'TCP' }]);
    const policy = findObject(objects, 'NetworkPolicy', 'keycloak', 'keycloak');
    const self = { podSelector: { matchLabels: keycloak.workload.selectorLabels } };
    expect(policy.spec.ingress).toContainEqual({ from: [self], ports: [{ port: 7800, protocol: 'TCP' }, { port: 57800, protocol: 'TCP' }] });
    expect(policy.spec.egress).toContainEqual({ to: [self], ports: [{ port: 7800, protocol: 'TCP' }, { port: 57800, protocol: 'TCP' }] });
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: {} } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
    expect(findObject(objects, 'PodDisruptionBudget', 'keycloak', 'keycloak').spec.maxUnavailable).toBe(1);

    // Metrics go through their own Service, which the main Service (the Ingress backend) never includes.
    const management = findObject(objects, 'Service', 'keycloak-management', 'keycloak');
    expect(management.spec.ports).toEqual([{ name: 'management', port: 9000, targetPort: 'management', protocol: 'TCP' }]);
    expect(findObject(objects, 'Service', 'keycloak', 'keycloak').spec.ports.map((p: any) => p.port)).toEqual([8080]);
    const sm = findObject(objects, 'ServiceMonitor', 'keycloak', 'keycloak');
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(management.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(findObject(objects, 'Service', 'keycloak', 'keycloak').metadata.labels).not.toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints).toEqual([{ port: 'management', path: '/metrics', interval: '15s' }]);
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('realm import: PKCE S256 public client, confidential client whose secret is an environment placeholder', () => {
    const { chart, postgres } = setup();
    const keycloak = new Keycloak(chart, 'Keycloak', {
      ...minimalProps(postgres),
      realms: [{
        name: 'aroti',
        publicClients: [{ clientId: 'aroti-ios', redirectUris: ['com.aroti.app:/oauth2redirect'] }],
        confidentialClients: [{ clientId: 'aroti-backend', secret: BACKEND_SECRET }],
      }],
    });
    const objects = objectsOf(chart);
    const configMap = findObject(objects, 'ConfigMap', 'keycloak-realms', 'keycloak');
    expect(Object.keys(configMap.data)).toEqual(['aroti-realm.json']);
    const realm = JSON.parse(configMap.data['aroti-realm.json']);
    expect(realm).toMatchObject({ realm: 'aroti', enabled: true, sslRequired: 'external' });
    const ios = realm.clients.find((c: any) => c.clientId === 'aroti-ios');
    expect(ios).toMatchObject({
      publicClient: true, standardFlowEnabled: true, implicitFlowEnabled: false, directAccessGrantsEnabled: false,
      redirectUris: ['com.aroti.app:/oauth2redirect'], attributes: { 'pkce.code.challenge.method': 'S256' },
    });
    expect(ios.secret).toBeUndefined();
    const backend = realm.clients.find((c: any) => c.clientId === 'aroti-backend');
    expect(backend).toMatchObject({ publicClient: false, clientAuthenticatorType: 'client-secret', serviceAccountsEnabled: true, standardFlowEnabled: false });
    expect(backend.secret).toBe('${AROTI_BACKEND_CLIENT_SECRET}');
    expect(keycloak.realmFiles.aroti).toBe(configMap.data['aroti-realm.json']);
    const c = mainContainer(findObject(objects, 'Deployment', 'keycloak'));
    expect(c.args).toEqual(['start', '--import-realm']);
    expect(envOf(c).AROTI_BACKEND_CLIENT_SECRET).toEqual({ secretKeyRef: { name: 'keycloak-secret', key: 'aroti-backend-client-secret' } });
    // A realm change rolls the pods.
    expect(findObject(objects, 'Deployment', 'keycloak').spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('fails if', () => {
    test('the ServiceMonitor has no labels the cluster\'s Prometheus selects', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), serviceMonitor: { labels: {} } })).toThrow(
        /Keycloak: invalid serviceMonitor.labels \(\{\}\): must name the labels the cluster's Prometheus serviceMonitorSelector matches/);
    });
    test('its pools do not fit the database\'s max_connections', () => {
      const { chart, postgres } = setup();
      // Keycloak's own default of 100 per pod would not fit an image-default server (97 usable).
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), dbPoolMaxSize: 100 })).toThrow(
        /test\/postgres: invalid maxConnections \(100\): the declared consumers need 100 connections \(test\/Keycloak 100\)/);
    });
    test('the realm asked for is not imported', () => {
      const { chart, postgres } = setup();
      const keycloak = new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), realms: [{ name: 'main' }] });
      expect(keycloak.issuerUrl('main')).toBe('https://auth.example.com/realms/main');
      expect(() => keycloak.internalRealmUrl('staff')).toThrow(/invalid realm \("staff"\): must be one of the imported realms \(main\)/);
    });
    test('more than one replica without a distributed cache', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), replicas: 2 })).toThrow(
        /Keycloak: invalid replicas \(2\): more than one Keycloak replica needs clustering: set cache: "ispn"/);
    });
    test('the database is not on the server', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), databaseName: 'iam' })).toThrow(
        /invalid databaseName \("iam"\): must be one of the server's databases \(keycloak\)/);
    });
    test('the hostname is a URL', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), hostname: 'https://auth.example.com' })).toThrow(
        /invalid hostname \("https:\/\/auth.example.com"\): must be a fully qualified/);
    });
    test('the startup budget is too short', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', { ...minimalProps(postgres), startupBudgetSeconds: 30 })).toThrow(
        /invalid startupBudgetSeconds \(30\): must be an integer of at least 60/);
    });
    test('a public client has a wildcard redirect URI', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', {
        ...minimalProps(postgres),
        realms: [{ name: 'aroti', publicClients: [{ clientId: 'aroti-ios', redirectUris: ['https://app.example.com/*'] }] }],
      })).toThrow(/invalid realms\[aroti\]\.publicClients\[aroti-ios\]\.redirectUris .*: wildcards let an attacker receive the authorization code/);
    });
    test('a public client has no redirect URI', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', {
        ...minimalProps(postgres),
        realms: [{ name: 'aroti', publicClients: [{ clientId: 'aroti-ios', redirectUris: [] }] }],
      })).toThrow(/a public client needs at least one redirect URI/);
    });
    test('two clients share an id', () => {
      const { chart, postgres } = setup();
      expect(() => new Keycloak(chart, 'Keycloak', {
        ...minimalProps(postgres),
        realms: [{
          name: 'aroti',
          publicClients: [{ clientId: 'aroti', redirectUris: ['aroti://cb'] }],
          confidentialClients: [{ clientId: 'aroti', secret: BACKEND_SECRET }],
        }],
      })).toThrow(/invalid realms\[aroti\]\.clients\[\]\.clientId \("aroti"\): must be unique/);
    });
  });
});
