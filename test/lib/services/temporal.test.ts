import {
  ExistingSecret, ExternalPostgres, Keycloak, NamespaceBaseline, Peer, PlatformChart, Postgres, setSyncWave, Temporal, TemporalProps, TemporalSchemaJob,
  TemporalSchemaJobProps,
} from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../../util';

const TEMPORAL_DB = { secretName: 'temporal-db', key: 'password' };

/** A chart with the temporal and database namespaces, the Secrets declared, and a Postgres with both stores. */
function setup(options: { visibilityOwner?: string } = {}): { chart: PlatformChart; postgres: Postgres } {
  const chart = testChart({ namespace: 'temporal' });
  new NamespaceBaseline(chart, 'ns-temporal', { name: 'temporal' });
  new NamespaceBaseline(chart, 'ns-database', { name: 'database' });
  new ExistingSecret(chart, 'postgres-secret', { name: 'postgres-secret', namespace: 'database', managedBy: 'test' });
  new ExistingSecret(chart, 'temporal-db-database', { name: 'temporal-db', namespace: 'database', managedBy: 'test' });
  new ExistingSecret(chart, 'temporal-db-temporal', { name: 'temporal-db', namespace: 'temporal', managedBy: 'test' });
  const postgres = new Postgres(chart, 'postgres', {
    namespace: 'database',
    credentials: { username: 'postgres', password: { secretName: 'postgres-secret', key: 'password' } },
    databases: [
      { name: 'temporal', owner: 'temporal', ownerPassword: TEMPORAL_DB },
      { name: 'temporal_visibility', owner: options.visibilityOwner ?? 'temporal', ownerPassword: TEMPORAL_DB },
    ],
  });
  return { chart, postgres };
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

const serverLabels = { 'app.kubernetes.io/name': 'temporal-server', 'app.kubernetes.io/part-of': 'demo' };

describe('Temporal', () => {
  test('minimal props: auto-setup server behind temporal-frontend:7233 and the Web UI on 8080', () => {
    const { chart, postgres } = setup();
    const temporal = new Temporal(chart, 'Temporal', { database: postgres });
    const objects = objectsOf(chart);
    expect(temporal.mode).toBe('auto-setup');
    expect(temporal.frontendAddress).toBe('temporal-frontend.temporal.svc.cluster.local:7233');

    const server = findObject(objects, 'Deployment', 'temporal-server', 'temporal');
    expect(server.spec.replicas).toBe(1);
    const s = mainContainer(server);
    expect(s.image).toBe('temporalio/auto-setup:1.22.4');
    expect(envOf(s)).toMatchObject({
      DB: 'postgres12',
      DB_PORT: '5432',
      POSTGRES_SEEDS: 'postgres.database.svc.cluster.local',
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: { secretKeyRef: { name: 'temporal-db', key: 'password' } },
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      SKIP_DB_CREATE: 'true',
      DEFAULT_NAMESPACE: 'default',
      // Explicit, not upstream's defaults: 1 day of retention and the Custom*Field test search attributes.
      DEFAULT_NAMESPACE_RETENTION: '168h',
      SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES: 'true',
      NUM_HISTORY_SHARDS: '4',
      // The pools declared to PostgreSQL's connection budget (upstream defaults, rendered explicitly).
      SQL_MAX_CONNS: '20', SQL_VIS_MAX_CONNS: '10',
      BIND_ON_IP: '0.0.0.0',
      TEMPORAL_BROADCAST_ADDRESS: { fieldRef: { fieldPath: 'status.podIP' } },
    });
    expect(s.readinessProbe).toMatchObject({ tcpSocket: { port: 'grpc' }, periodSeconds: 10 });
    expect(s.livenessProbe).toMatchObject({ tcpSocket: { port: 'grpc' } });
    expect(s.startupProbe).toMatchObject({ tcpSocket: { port: 'grpc' }, periodSeconds: 10, failureThreshold: 30 });
    expect(s.ports.find((p: any) => p.name === 'grpc')).toEqual({ name: 'grpc', containerPort: 7233, protocol: 'TCP' });
    expect(s.securityContext.readOnlyRootFilesystem).toBe(true);
    // The image renders its config template at start: the config directory is an emptyDir seeded from the image.
    expect(s.volumeMounts).toContainEqual({ name: 'temporal-config', mountPath: '/etc/temporal/config' });
    expect(server.spec.template.spec.initContainers[0]).toMatchObject({
      name: 'seed-config', image: 'temporalio/auto-setup:1.22.4', command: ['/bin/sh', '-c', 'cp -R /etc/temporal/config/. /seed/config/'],
    });

    const frontend = findObject(objects, 'Service', 'temporal-frontend', 'temporal');
    expect(frontend.spec.ports).toEqual([{ name: 'grpc', port: 7233, targetPort: 'grpc', protocol: 'TCP' }]);
    expect(frontend.spec.selector).toEqual(serverLabels);

    const ui = findObject(objects, 'Deployment', 'temporal-web', 'temporal');
    const u = mainContainer(ui);
    expect(u.image).toBe('temporalio/ui:2.21.3');
    expect(envOf(u)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233', TEMPORAL_UI_PORT: '8080', TEMPORAL_DISABLE_WRITE_ACTIONS: 'false' });
    expect(u.readinessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' } });
    expect(u.livenessProbe).toMatchObject({ httpGet: { path: '/', port: 'http' } });
    expect(u.volumeMounts).toContainEqual({ name: 'temporal-config', mountPath: '/home/ui-server/config' });
    expect(findObject(objects, 'Service', 'temporal-web', 'temporal').spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);

    // UI → frontend on 7233; server → PostgreSQL on 5432; no schema Job in auto-setup mode.
    const serverPolicy = findObject(objects, 'NetworkPolicy', 'temporal-server', 'temporal');
    expect(serverPolicy.spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'temporal-web', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 7233, protocol: 'TCP' }],
    });
    expect(serverPolicy.spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'database' } }, podSelector: { matchLabels: postgres.workload.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(findObject(objects, 'NetworkPolicy', 'postgres', 'database').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'temporal' } }, podSelector: { matchLabels: serverLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(objectsOfKind(objects, 'Job')).toHaveLength(0);
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props: production mode with a schema hook Job, two server replicas', () => {
    const { chart, postgres } = setup();
    const props: Required<TemporalProps> = {
      namespace: 'temporal',
      mode: 'production',
      serverImage: 'temporalio/server:1.22.4',
      adminToolsImage: 'temporalio/admin-tools:1.22.4',
      uiImage: 'temporalio/ui:2.21.3',
      database: postgres,
      databaseName: 'temporal',
      visibilityDatabaseName: 'temporal_visibility',
      createDatabases: false,
      schemaHookPhase: 'Sync',
      schemaSyncWave: 15,
      serverReplicas: 2,
      uiReplicas: 2,
      defaultNamespace: 'aroti',
      namespaceRetentionDays: 30,
      numHistoryShards: 1024,
      uiReadOnly: true,
      databasePool: { default: 15, visibility: 5 },
      serverResources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      uiResources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      startupBudgetSeconds: 120,
      uiAuth: {
        providerUrl: 'https://auth.example.com/realms/main', issuerUrl: 'https://login.example.com/realms/main', clientId: 'temporal-ui',
        clientSecret: { secretName: 'temporal-db', key: 'ui-client-secret' }, callbackUrl: 'https://temporal.example.com/auth/sso/callback',
        providerPeer: Peer.ipBlock('203.0.113.10/32'),
      },
    };
    const temporal = new Temporal(chart, 'Temporal', props);
    const objects = objectsOf(chart);
    const server = findObject(objects, 'Deployment', 'temporal-server', 'temporal');
    expect(server.spec.replicas).toBe(2);
    // The UI logs users in through OIDC; its client secret is a reference, and it may reach only the provider besides the server.
    const uiEnv = envOf(mainContainer(findObject(objects, 'Deployment', 'temporal-web', 'temporal')));
    expect(uiEnv).toMatchObject({
      TEMPORAL_AUTH_ENABLED: 'true', TEMPORAL_AUTH_PROVIDER_URL: 'https://auth.example.com/realms/main', TEMPORAL_AUTH_CLIENT_ID: 'temporal-ui',
      TEMPORAL_AUTH_CLIENT_SECRET: { secretKeyRef: { name: 'temporal-db', key: 'ui-client-secret' } },
      TEMPORAL_AUTH_CALLBACK_URL: 'https://temporal.example.com/auth/sso/callback',
      TEMPORAL_AUTH_ISSUER_URL: 'https://login.example.com/realms/main', TEMPORAL_DISABLE_WRITE_ACTIONS: 'true',
    });
    expect(findObject(objects, 'NetworkPolicy', 'temporal-web', 'temporal').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    const s = mainContainer(server);
    expect(s.image).toBe('temporalio/server:1.22.4');
    expect(s.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(s.startupProbe.failureThreshold).toBe(12);
    const env = envOf(s);
    expect(env.SKIP_DB_CREATE).toBeUndefined();
    expect(env.DEFAULT_NAMESPACE).toBeUndefined();
    expect(env.NUM_HISTORY_SHARDS).toBe('1024');
    // Two server pods × (15 + 5), plus the schema Job's one connection.
    expect(postgres.connectionReservations).toEqual({ 'test/Temporal/Server': 40, 'test/Temporal/Schema': 1 });
    expect(findObject(objects, 'PodDisruptionBudget', 'temporal-server', 'temporal')).toBeDefined();
    expect(findObject(objects, 'PodDisruptionBudget', 'temporal-web', 'temporal')).toBeDefined();
    // Server pods reach each other on the internal service and membership ports.
    const self = { podSelector: { matchLabels: serverLabels } };
    const internal = [6933, 6934, 6935, 6939, 7234, 7235, 7239].map((port) => ({ port, protocol: 'TCP' }));
    const serverPolicy = findObject(objects, 'NetworkPolicy', 'temporal-server', 'temporal');
    expect(serverPolicy.spec.ingress).toContainEqual({ from: [self], ports: internal });
    expect(serverPolicy.spec.egress).toContainEqual({ to: [self], ports: internal });

    const job = findObject(objects, 'Job', 'temporal-schema', 'temporal');
    expect(temporal.schemaJob).toBeDefined();
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '15',
    });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    // temporalio/server registers no namespace: a PostSync Job does, once the server answers.
    const register = findObject(objects, 'Job', 'temporal-namespace', 'temporal');
    expect(temporal.namespaceJob).toBeDefined();
    expect(register.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    const rc = register.spec.template.spec.containers[0];
    expect(rc.image).toBe('temporalio/admin-tools:1.22.4');
    expect(envOf(rc)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233', TEMPORAL_NAMESPACE: 'aroti', RETENTION: '720h' });
    expect(rc.command[2]).toContain('temporal operator namespace create --retention "$RETENTION"');
    expect(findObject(objects, 'NetworkPolicy', 'temporal-namespace', 'temporal').spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: serverLabels } }], ports: [{ port: 7233, protocol: 'TCP' }] }]);
    expect(serverPolicy.spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'temporal-namespace', 'app.kubernetes.io/part-of': 'demo' } } }], ports: [{ port: 7233, protocol: 'TCP' }],
    });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('production mode: 512 history shards and a schema Job in the Sync phase one wave after its database', () => {
    const { chart, postgres } = setup();
    setSyncWave(postgres, 10);
    new Temporal(chart, 'Temporal', { database: postgres, mode: 'production' });
    const objects = objectsOf(chart);
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'temporal-server', 'temporal'))).NUM_HISTORY_SHARDS).toBe('512');
    expect(findObject(objects, 'Job', 'temporal-schema', 'temporal').metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '11',
    });
  });

  test('uiAuth.keycloak: discovery from Keycloak inside the cluster, the public issuer expected, egress to Keycloak only', () => {
    const { chart, postgres } = setup();
    new ExistingSecret(chart, 'kc-db', { name: 'temporal-db', namespace: 'keycloak', managedBy: 'test' });
    const keycloak = new Keycloak(chart, 'Keycloak', {
      namespace: 'keycloak', hostname: 'auth.example.com', database: postgres, databaseName: 'temporal',
      bootstrapAdminUsername: 'admin', bootstrapAdminPassword: TEMPORAL_DB,
      realms: [{ name: 'staff', confidentialClients: [{ clientId: 'temporal-ui', secret: TEMPORAL_DB, redirectUris: ['https://temporal.example.com/auth/sso/callback'] }] }],
    });
    new Temporal(chart, 'Temporal', {
      database: postgres,
      uiAuth: { keycloak: { instance: keycloak, realm: 'staff' }, clientId: 'temporal-ui', clientSecret: TEMPORAL_DB, callbackUrl: 'https://temporal.example.com/auth/sso/callback' },
    });
    const objects = objectsOf(chart);
    expect(envOf(mainContainer(findObject(objects, 'Deployment', 'temporal-web', 'temporal')))).toMatchObject({
      TEMPORAL_AUTH_PROVIDER_URL: 'http://keycloak.keycloak.svc.cluster.local:8080/realms/staff',
      TEMPORAL_AUTH_ISSUER_URL: 'https://auth.example.com/realms/staff',
    });
    const egress = findObject(objects, 'NetworkPolicy', 'temporal-web', 'temporal').spec.egress;
    expect(egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keycloak' } }, podSelector: { matchLabels: keycloak.workload.selectorLabels } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // Nothing on the internet: the public host resolves to this cluster's own load balancer.
    expect(egress.some((r: any) => r.to.some((p: any) => p.ipBlock))).toBe(false);
    expect(findObject(objects, 'NetworkPolicy', 'keycloak', 'keycloak').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'temporal' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'temporal-web', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  describe('fails if', () => {
    test('the history shard count is not a power of two', () => {
      const { chart, postgres } = setup();
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, numHistoryShards: 500 })).toThrow(
        /Temporal: invalid numHistoryShards \(500\): must be a power of two between 1 and 16384/);
    });
    test('the UI login names neither a Keycloak nor a provider URL', () => {
      const { chart, postgres } = setup();
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, uiAuth: { clientId: 'ui', clientSecret: TEMPORAL_DB, callbackUrl: 'https://t.example.com/auth/sso/callback' } }))
        .toThrow(/invalid uiAuth.providerUrl \(undefined\): give exactly one of uiAuth.keycloak/);
    });
    test('the UI login callback is not the path the UI server handles', () => {
      const { chart, postgres } = setup();
      const uiAuth = { providerUrl: 'https://auth.example.com/realms/main', clientId: 'ui', clientSecret: TEMPORAL_DB, callbackUrl: 'https://temporal.example.com/callback' };
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, uiAuth })).toThrow(
        /Temporal: invalid uiAuth.callbackUrl \("https:\/\/temporal.example.com\/callback"\): must end with \/auth\/sso\/callback/);
    });
    test('auto-setup runs more than one replica', () => {
      const { chart, postgres } = setup();
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, serverReplicas: 2 })).toThrow(
        /Temporal: invalid serverReplicas \(2\): auto-setup runs schema setup in every pod at start; more than one replica needs mode: "production"/);
    });
    test('the server image does not match the mode', () => {
      const { chart, postgres } = setup();
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, mode: 'production', serverImage: 'temporalio/auto-setup:1.22.4' })).toThrow(
        /invalid serverImage \("temporalio\/auto-setup:1.22.4"\): mode "production" runs the temporalio\/server image/);
    });
    test('a store database is missing on the server', () => {
      const { chart, postgres } = setup();
      expect(() => new Temporal(chart, 'Temporal', { database: postgres, visibilityDatabaseName: 'visibility' })).toThrow(
        /invalid visibilityDatabaseName \("visibility"\): must be one of the server's databases \(temporal, temporal_visibility\), or set createDatabases: true/);
    });
    test('the stores have different owners', () => {
      const { chart, postgres } = setup({ visibilityOwner: 'visibility' });
      expect(() => new Temporal(chart, 'Temporal', { database: postgres })).toThrow(
        /Temporal uses one login for both stores; give "temporal_visibility" the same owner as "temporal"/);
    });
  });
});

describe('TemporalSchemaJob', () => {
  test('minimal props: a Sync hook one wave after its same-chart database, running temporal-sql-tool for both stores, reaching PostgreSQL only', () => {
    const { chart, postgres } = setup();
    new TemporalSchemaJob(chart, 'Schema', { database: postgres });
    const objects = objectsOf(chart);
    const job = findObject(objects, 'Job', 'temporal-schema', 'temporal');
    // The database is rendered in the same sync: PreSync would run before it exists.
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '1',
    });
    // Argo CD re-creates a Job that deletes itself through a TTL, in a loop.
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(job.spec).toMatchObject({ backoffLimit: 3, activeDeadlineSeconds: 600 });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 1000 } });
    const c = pod.containers[0];
    expect(c.image).toBe('temporalio/admin-tools:1.22.4');
    expect(envOf(c)).toMatchObject({
      SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgres.database.svc.cluster.local', SQL_PORT: '5432', SQL_USER: 'temporal',
      SQL_PASSWORD: { secretKeyRef: { name: 'temporal-db', key: 'password' } }, DBNAME: 'temporal', VISIBILITY_DBNAME: 'temporal_visibility',
    });
    const script: string = c.command[2];
    expect(script.split('\n').map((l) => l.replace(/^temporal-sql-tool .* --db /, ''))).toEqual([
      'set -eu',
      '"$DBNAME" setup-schema -v 0.0',
      '"$DBNAME" update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned',
      '"$VISIBILITY_DBNAME" setup-schema -v 0.0',
      '"$VISIBILITY_DBNAME" update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned',
    ]);
    expect(script).not.toContain('create-database');
    const policy = findObject(objects, 'NetworkPolicy', 'temporal-schema', 'temporal');
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'database' } }, podSelector: { matchLabels: postgres.workload.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
    expect(findObject(objects, 'NetworkPolicy', 'postgres', 'database').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'temporal' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'temporal-schema', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props: creates the databases first', () => {
    const { chart, postgres } = setup();
    const props: Required<TemporalSchemaJobProps> = {
      name: 'temporal-schema-setup',
      namespace: 'temporal',
      image: 'temporalio/admin-tools:1.22.4',
      database: postgres,
      databaseName: 'temporal',
      visibilityDatabaseName: 'temporal_visibility',
      createDatabases: true,
      hookPhase: 'Sync',
      syncWave: 5,
      resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      backoffLimit: 1,
      activeDeadlineSeconds: 300,
    };
    new TemporalSchemaJob(chart, 'Schema', props);
    const job = findObject(objectsOf(chart), 'Job', 'temporal-schema-setup', 'temporal');
    expect(job.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 300 });
    const script: string = job.spec.template.spec.containers[0].command[2];
    expect(script).toContain('--db "$DBNAME" create-database');
    expect(script).toContain('--db "$VISIBILITY_DBNAME" create-database');
    expect(script.indexOf('create-database')).toBeLessThan(script.indexOf('setup-schema'));
  });

  test('a database outside the chart (managed) keeps the PreSync default', () => {
    const chart = testChart({ namespace: 'temporal' });
    const db = new ExternalPostgres(chart, 'db', {
      host: 'db.example.com', databaseName: 'temporal', credentials: { username: 'temporal', password: TEMPORAL_DB }, cidr: '10.0.0.0/16',
    });
    new TemporalSchemaJob(chart, 'Schema', { database: db, visibilityDatabaseName: 'temporal_visibility', createDatabases: true });
    const job = findObject(objectsOf(chart), 'Job', 'temporal-schema', 'temporal');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PreSync');
    expect(job.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });

  describe('fails if', () => {
    test('PreSync is asked for with the database in the same chart', () => {
      const { chart, postgres } = setup();
      expect(() => new TemporalSchemaJob(chart, 'Schema', { database: postgres, hookPhase: 'PreSync' })).toThrow(
        /invalid hookPhase \("PreSync"\): the database "postgres.database.svc.cluster.local" is rendered in the same chart/);
    });
    test('both stores use one database', () => {
      const { chart, postgres } = setup();
      expect(() => new TemporalSchemaJob(chart, 'Schema', { database: postgres, visibilityDatabaseName: 'temporal' })).toThrow(
        /invalid visibilityDatabaseName \("temporal"\): must differ from databaseName/);
    });
    test('the deadline is too short', () => {
      const { chart, postgres } = setup();
      expect(() => new TemporalSchemaJob(chart, 'Schema', { database: postgres, activeDeadlineSeconds: 10 })).toThrow(
        /invalid activeDeadlineSeconds \(10\): must be an integer of at least 60/);
    });
  });
});
