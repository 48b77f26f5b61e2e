import {
  ExistingSecret, ExternalPostgres, ExternalPostgresProps, NamespaceBaseline, Postgres, PostgresProps, Workload,
} from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../../util';

const password = { secretName: 'postgres-secret', key: 'password' };

function env(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

function app(chart: ReturnType<typeof testChart>, namespace?: string): Workload {
  return new Workload(chart, 'app', {
    namespace,
    image: 'ghcr.io/example/app:1.0.0',
    ports: [{ name: 'http', port: 8000 }],
    resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
    readiness: { http: { path: '/ready' } },
    liveness: { http: { path: '/health' } },
  });
}

describe('Postgres', () => {
  test('minimal props: single-primary StatefulSet on the alpine image as uid 70 with a 20Gi claim', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', { credentials: { username: 'postgres', password } });
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'postgres', 'demo');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('postgres-headless');
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70 });
    const c = mainContainer(sts);
    expect(c.image).toBe('postgres:15.10-alpine');
    expect(c.args).toBeUndefined();
    expect(env(c)).toEqual({
      PGDATA: '/var/lib/postgresql/data/pgdata',
      POSTGRES_PASSWORD_FILE: '/etc/postgres/secrets/postgres-secret/password',
      POSTGRES_USER: 'postgres',
    });
    expect(c.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(probe.exec.command).toEqual(['pg_isready', '--host=127.0.0.1', '--port=5432', '--timeout=4']);
    }
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(300);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(Object.keys(mounts).sort()).toEqual([
      '/docker-entrypoint-initdb.d', '/etc/postgres/secrets/postgres-secret', '/tmp', '/var/lib/postgresql/data', '/var/run/postgresql',
    ]);
    expect(mounts['/var/lib/postgresql/data'].name).toBe('data');
    expect(pod.volumes.find((v: any) => v.name === 'credentials-0').secret).toEqual({
      secretName: 'postgres-secret', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }],
    });
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/part-of': 'demo' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } },
    }]);
    expect(findObject(objects, 'Service', 'postgres', 'demo').spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    expect(findObject(objects, 'Service', 'postgres-headless', 'demo').spec.clusterIP).toBe('None');
    expect(objectsOfKind(objects, 'PodDisruptionBudget')).toEqual([]);
    expect(objectsOfKind(objects, 'ServiceMonitor')).toEqual([]);
    expect(pod.containers).toHaveLength(1);
    expect(pg.host).toBe('postgres.demo.svc.cluster.local');
    expect(pg.port).toBe(5432);
    expect(pg.databaseName).toBe('postgres');
    expect(pg.databaseNames).toEqual(['postgres']);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<PostgresProps> = {
      name: 'db',
      namespace: 'database',
      serviceName: 'postgres',
      image: 'postgres:15.10-bookworm',
      runAsUser: 999,
      runAsGroup: 999,
      credentials: { username: { secretName: 'postgres-secret', key: 'username' }, password },
      databases: [
        { name: 'aroti', owner: 'aroti', ownerPassword: { secretName: 'aroti-db', key: 'password' } },
        { name: 'keycloak', owner: 'keycloak', ownerPassword: { secretName: 'postgres-secret', key: 'keycloak-password' } },
        { name: 'temporal' },
      ],
      storageSize: '50Gi',
      storageClassName: 'gp3',
      resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      settings: { shared_buffers: '256MB' },
      maxConnections: 200,
      exporter: {
        image: 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
        resources: { cpuRequest: '20m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
        serviceMonitor: true,
        serviceMonitorLabels: { release: 'kube-prometheus-stack' },
        prometheus: { peerName: 'prom', peerNamespace: 'obs', toNetworkPolicyPeer: () => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'obs' } } }) },
        interval: '1m',
      },
      component: 'db',
      terminationGracePeriodSeconds: 120,
      exemptions: { 'practice/high-availability': 'single primary by design' },
    };
    const pg = new Postgres(chart, 'postgres', props);
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'db', 'database');
    expect(sts.metadata.labels['app.kubernetes.io/component']).toBe('db');
    expect(sts.metadata.annotations['policy-exemption.platform/practice.high-availability']).toBe('single primary by design');
    const pod = sts.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    const c = mainContainer(sts);
    expect(c.image).toBe('postgres:15.10-bookworm');
    expect(c.args).toEqual(['-c', 'max_connections=200', '-c', 'shared_buffers=256MB']);
    expect(env(c).POSTGRES_USER).toEqual({ secretKeyRef: { name: 'postgres-secret', key: 'username' } });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'gp3', resources: { requests: { storage: '50Gi' } } });
    // One volume per Secret, with every key the server reads.
    expect(pod.volumes.filter((v: any) => v.secret).map((v: any) => [v.name, v.secret.secretName, v.secret.items.map((i: any) => i.key)])).toEqual([
      ['credentials-0', 'aroti-db', ['password']],
      ['credentials-1', 'postgres-secret', ['keycloak-password', 'password']],
    ]);
    const exporter = pod.containers.find((x: any) => x.name === 'metrics');
    expect(exporter.image).toBe('quay.io/prometheuscommunity/postgres-exporter:v0.16.0');
    expect(env(exporter)).toEqual({
      DATA_SOURCE_PASS_FILE: '/etc/postgres/secrets/postgres-secret/password',
      DATA_SOURCE_URI: '127.0.0.1:5432/postgres?sslmode=disable',
      DATA_SOURCE_USER: { secretKeyRef: { name: 'postgres-secret', key: 'username' } },
    });
    // The exporter sees only the superuser's Secret.
    expect(exporter.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/etc/postgres/secrets/postgres-secret', '/tmp']);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    const metrics = findObject(objects, 'Service', 'db-metrics', 'database');
    expect(metrics.spec.ports).toEqual([{ name: 'metrics', port: 9187, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(metrics.metadata.labels['app.kubernetes.io/component']).toBe('metrics');
    const sm = findObject(objects, 'ServiceMonitor', 'db-metrics', 'database');
    expect(sm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/part-of': 'demo', 'app.kubernetes.io/component': 'metrics' });
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '1m' }]);
    const np = findObject(objects, 'NetworkPolicy', 'db', 'database');
    expect(np.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'obs' } } }], ports: [{ port: 9187, protocol: 'TCP' }],
    });
    expect(findObject(objects, 'Service', 'postgres', 'database').spec.selector).toEqual({ 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/part-of': 'demo' });
    expect(pg.host).toBe('postgres.database.svc.cluster.local');
    expect(pg.databaseName).toBe('aroti');
    expect(pg.databaseNames).toEqual(['aroti', 'keycloak', 'temporal']);
    expect(pg.credentialsFor('keycloak')).toEqual({ username: 'keycloak', password: { secretName: 'postgres-secret', key: 'keycloak-password' } });
    expect(pg.credentialsFor('temporal')).toBe(pg.credentials);
  });

  test('init script creates owners from mounted password files, never from literals', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', {
      credentials: { username: 'postgres', password },
      databases: [
        { name: 'temporal', owner: 'temporal', ownerPassword: { secretName: 'temporal-db', key: 'pw' } },
        { name: 'temporal_visibility', owner: 'temporal', ownerPassword: { secretName: 'temporal-db', key: 'pw' } },
        { name: 'aroti' },
      ],
    });
    const cm = findObject(objectsOf(chart), 'ConfigMap', 'postgres-initdb', 'demo');
    expect(pg.initScript.name).toBe('postgres-initdb');
    const sql: string = cm.data['10-databases.sql'];
    expect(sql).toContain('\\set ON_ERROR_STOP on');
    expect(sql).toContain("\\set owner_password `cat '/etc/postgres/secrets/temporal-db/pw'`");
    expect(sql).toContain("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', 'temporal', :'owner_password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal')\\gexec");
    // The role is created once even when it owns two databases.
    expect(sql.match(/CREATE ROLE/g)).toHaveLength(1);
    expect(sql).toContain("SELECT format('CREATE DATABASE %I OWNER %I', 'temporal_visibility', 'temporal')");
    expect(sql).toContain("SELECT format('CREATE DATABASE %I', 'aroti') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'aroti')\\gexec");
    expect(sql).toContain('REVOKE ALL ON DATABASE "temporal" FROM PUBLIC;');
    // Sorted by database name.
    expect(sql.indexOf("'aroti'")).toBeLessThan(sql.indexOf("'temporal'"));
    const sts = findObject(objectsOf(chart), 'StatefulSet', 'postgres');
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    expect(mainContainer(sts).volumeMounts).toContainEqual({ name: 'config-initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
  });

  test('connectionEnv: prefixed or libpq names, owner login of the chosen database, password from the Secret', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', {
      credentials: { username: 'postgres', password },
      databases: [{ name: 'app', owner: 'app', ownerPassword: { secretName: 'app-db', key: 'password' } }, { name: 'reports' }],
    });
    expect(pg.connectionEnv()).toEqual({
      DB_HOST: 'postgres.demo.svc.cluster.local',
      DB_PORT: '5432',
      DB_NAME: 'app',
      DB_USER: 'app',
      DB_PASSWORD: { secretKeyRef: { secretName: 'app-db', key: 'password' } },
    });
    expect(pg.connectionEnv({ prefix: 'REPORTS_DB_', database: 'reports' })).toEqual({
      REPORTS_DB_HOST: 'postgres.demo.svc.cluster.local',
      REPORTS_DB_PORT: '5432',
      REPORTS_DB_NAME: 'reports',
      REPORTS_DB_USER: 'postgres',
      REPORTS_DB_PASSWORD: { secretKeyRef: password },
    });
    expect(Object.keys(pg.connectionEnv({ libpq: true })).sort()).toEqual(['PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
  });

  test('allowConnectionFrom a workload in another namespace: egress on the app, ingress on the database', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', { namespace: 'database', credentials: { username: 'postgres', password } });
    pg.allowConnectionFrom(app(chart, 'demo'));
    const objects = objectsOf(chart);
    expect(findObject(objects, 'NetworkPolicy', 'app', 'demo').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'database' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
    expect(findObject(objects, 'NetworkPolicy', 'postgres', 'database').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/part-of': 'demo' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
  });

  test('Workload.connectTo(postgres) opens only the database port, not the exporter', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', { credentials: { username: 'postgres', password }, exporter: { serviceMonitorLabels: { release: 'kube-prometheus-stack' } } });
    app(chart).connectTo(pg);
    const np = findObject(objectsOf(chart), 'NetworkPolicy', 'app');
    expect(np.spec.egress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
  });

  test('connection budget: consumers declare their pools; max_connections is rendered and the sum must fit below it', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', { credentials: { username: 'postgres', password }, maxConnections: 60 });
    expect(mainContainer(findObject(objectsOf(chart), 'StatefulSet', 'postgres')).args).toEqual(['-c', 'max_connections=60']);
    pg.reserveConnections('api', 40);
    pg.reserveConnections('keycloak', 17);
    expect(pg.connectionReservations).toEqual({ api: 40, keycloak: 17 });
    // 60 - 3 superuser-reserved = 57: one more does not fit, and the error names every consumer and the fix.
    expect(() => pg.reserveConnections('temporal', 1)).toThrow(
      /test\/postgres: invalid maxConnections \(60\): the declared consumers need 58 connections \(api 40, keycloak 17, temporal 1\) but only 57 are open to them .*raise maxConnections to at least 61/);
  });

  test('the image default of 100 connections applies when maxConnections is not set', () => {
    const pg = new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password } });
    expect(pg.maxConnections).toBe(100);
    pg.reserveConnections('api', 97);
    expect(() => pg.reserveConnections('worker', 1)).toThrow(/invalid maxConnections \(100\)/);
  });

  test('fails if the exporter\'s ServiceMonitor has no labels the cluster\'s Prometheus selects', () => {
    expect(() => new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, exporter: {} }))
      .toThrow(/test\/postgres: invalid exporter.serviceMonitorLabels \(undefined\): must name the labels .* or set exporter.serviceMonitor: false/);
    expect(() => new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, exporter: { serviceMonitor: false } })).not.toThrow();
  });

  test('fails if max_connections is given as a raw setting', () => {
    expect(() => new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, settings: { max_connections: '300' } }))
      .toThrow(/invalid settings\["max_connections"\] \("300"\): set maxConnections instead/);
  });

  test('passes the validation gate', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    new ExistingSecret(chart, 'secret', { name: 'postgres-secret', managedBy: 'runbook' });
    new ExistingSecret(chart, 'app-secret', { name: 'app-db', managedBy: 'runbook' });
    const pg = new Postgres(chart, 'postgres', {
      credentials: { username: 'postgres', password },
      databases: [{ name: 'app', owner: 'app', ownerPassword: { secretName: 'app-db', key: 'password' } }],
      exporter: { serviceMonitorLabels: { release: 'kube-prometheus-stack' } },
    });
    pg.allowConnectionFrom(app(chart));
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('fails if a database owner has no password secret', () => {
    expect(() => new Postgres(testChart(), 'postgres', {
      credentials: { username: 'postgres', password },
      databases: [{ name: 'keycloak', owner: 'keycloak' }],
    })).toThrow(/test\/postgres: invalid databases\[0\]\.ownerPassword \(undefined\): database "keycloak" has owner "keycloak": give the owner's password as a Secret key/);
  });

  test('fails if the storage size does not parse', () => {
    expect(() => new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, storageSize: '20 gigs' }))
      .toThrow(/invalid storageSize \("20 gigs"\): must be a byte quantity of at least 1Mi/);
  });

  test('fails if a database name is not a plain identifier', () => {
    expect(() => new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, databases: [{ name: 'my-db' }] }))
      .toThrow(/invalid databases\[0\]\.name \("my-db"\): must be a PostgreSQL identifier/);
  });

  test('fails if one owner is given two passwords', () => {
    expect(() => new Postgres(testChart(), 'postgres', {
      credentials: { username: 'postgres', password },
      databases: [
        { name: 'a', owner: 'o', ownerPassword: { secretName: 's', key: 'a' } },
        { name: 'b', owner: 'o', ownerPassword: { secretName: 's', key: 'b' } },
      ],
    })).toThrow(/owner "o" is given two different passwords/);
  });

  test('fails if credentialsFor names an unknown database', () => {
    const pg = new Postgres(testChart(), 'postgres', { credentials: { username: 'postgres', password }, databases: [{ name: 'app' }] });
    expect(() => pg.connectionEnv({ database: 'nope' })).toThrow(/invalid database \("nope"\): must be one of the server's databases \(postgres, app\)/);
  });
});

describe('ExternalPostgres', () => {
  const base: ExternalPostgresProps = {
    host: 'expense.abc123.us-east-1.rds.amazonaws.com',
    databaseName: 'expenses',
    credentials: { username: 'expenses', password: { secretName: 'rds-credentials', key: 'password' } },
    cidr: '10.0.0.0/16',
  };

  test('minimal props: renders nothing, same interface as Postgres, TLS required', () => {
    const chart = testChart();
    const db = new ExternalPostgres(chart, 'db', base);
    expect(objectsOf(chart)).toEqual([]);
    expect(db.port).toBe(5432);
    expect(db.databaseNames).toEqual(['expenses']);
    expect(db.connectionEnv()).toEqual({
      DB_HOST: 'expense.abc123.us-east-1.rds.amazonaws.com',
      DB_PORT: '5432',
      DB_NAME: 'expenses',
      DB_USER: 'expenses',
      DB_PASSWORD: { secretKeyRef: { secretName: 'rds-credentials', key: 'password' } },
      DB_SSLMODE: 'require',
    });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<ExternalPostgresProps> = {
      ...base,
      port: 6432,
      credentials: { username: { secretName: 'rds-credentials', key: 'username' }, password: { secretName: 'rds-credentials', key: 'password' } },
      cidr: '10.20.0.3/32',
      sslMode: 'verify-full',
      maxConnections: 50,
    };
    const db = new ExternalPostgres(chart, 'db', props);
    db.reserveConnections('app', 40);
    expect(() => db.reserveConnections('worker', 10)).toThrow(/test\/db: invalid maxConnections \(50\): the declared consumers need 50 connections \(app 40, worker 10\) but only 47/);
    expect(db.connectionEnv({ libpq: true })).toEqual({
      PGHOST: base.host,
      PGPORT: '6432',
      PGDATABASE: 'expenses',
      PGUSER: { secretKeyRef: { secretName: 'rds-credentials', key: 'username' } },
      PGPASSWORD: { secretKeyRef: { secretName: 'rds-credentials', key: 'password' } },
      PGSSLMODE: 'verify-full',
    });
    expect(db.cidr).toBe('10.20.0.3/32');
  });

  test('allowConnectionFrom adds egress to the CIDR on the port; Workload.connectTo works the same way', () => {
    const chart = testChart();
    const db = new ExternalPostgres(chart, 'db', base);
    const a = app(chart);
    db.allowConnectionFrom(a);
    a.connectTo(db);
    const np = findObject(objectsOf(chart), 'NetworkPolicy', 'app');
    expect(np.spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    expect(np.spec.ingress).toEqual([]);
  });

  test('fails if the CIDR is invalid', () => {
    expect(() => new ExternalPostgres(testChart(), 'db', { ...base, cidr: '10.0.0.0/33' }))
      .toThrow(/invalid cidr \("10.0.0.0\/33"\): must be an IPv4 or IPv6 CIDR/);
  });

  test('fails if the host is not a DNS name or IP', () => {
    expect(() => new ExternalPostgres(testChart(), 'db', { ...base, host: 'postgres://x' }))
      .toThrow(/invalid host \("postgres:\/\/x"\): must be a DNS name or an IPv4 address/);
  });
});
