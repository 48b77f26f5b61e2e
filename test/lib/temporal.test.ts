import { ExistingSecret, NamespaceBaseline, Peer, PlatformChart, Postgres, Temporal, TemporalProps, TemporalSchemaJob, TemporalSchemaJobProps } from '../../lib';
import { renderChart } from '../../lib/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../util';

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
    expect(envOf(u)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal-frontend.temporal.svc.cluster.local:7233', TEMPORAL_UI_PORT: '8080' });
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
      serverReplicas: 2,
      uiReplicas: 2,
      defaultNamespace: 'aroti',
      serverResources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      uiResources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '512Mi' },
      startupBudgetSeconds: 120,
      uiAuth: {
        providerUrl: 'https://auth.example.com/realms/main', clientId: 'temporal-ui',
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
    });
    expect(findObject(objects, 'NetworkPolicy', 'temporal-web', 'temporal').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    const s = mainContainer(server);
    expect(s.image).toBe('temporalio/server:1.22.4');
    expect(s.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(s.startupProbe.failureThreshold).toBe(12);
    const env = envOf(s);
    expect(env.SKIP_DB_CREATE).toBeUndefined();
    expect(env.DEFAULT_NAMESPACE).toBeUndefined();
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
    });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    expect(renderChart(chart).findings).toEqual([]);
  });

  describe('fails if', () => {
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
  test('minimal props: a PreSync hook running temporal-sql-tool for both stores, reaching PostgreSQL only', () => {
    const { chart, postgres } = setup();
    new TemporalSchemaJob(chart, 'Schema', { database: postgres });
    const objects = objectsOf(chart);
    const job = findObject(objects, 'Job', 'temporal-schema', 'temporal');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
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
      hookPhase: 'PreSync',
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

  describe('fails if', () => {
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
