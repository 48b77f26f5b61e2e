import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { ServiceMonitor as ServiceMonitorResource } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ContainerResources, EnvValue } from '../core/container';
import { check } from '../core/errors';
import { componentLabels } from '../core/labels';
import { checkDnsLabel, checkDnsSubdomain } from '../core/names';
import { INetworkPeer, PROMETHEUS } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { SecretKeyRef } from '../core/secret-ref';
import { IConnectable, Workload } from '../workloads/workload';
import { IDatabaseClient, WorkloadBackedStore } from '../workloads/workload-backed-store';

// ---------------------------------------------------------------------------------------------------------------
// Consumer interface: shared by the in-cluster `Postgres` and `ExternalPostgres`, so an app switches between them
// without other changes.
// ---------------------------------------------------------------------------------------------------------------

/** A login: user name (a literal or a Secret key) and password (always a Secret key). */
export interface PostgresCredentials {
  /** User name: a literal, or a key of a Secret. */
  readonly username: string | SecretKeyRef;
  /** Password: a key of a Secret. */
  readonly password: SecretKeyRef;
}

/** libpq `sslmode`. */
export type PostgresSslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** How `connectionEnv` names and fills the variables. */
export interface PostgresConnectionEnvOptions {
  /**
   * Prefix of the variable names: `<prefix>HOST`, `<prefix>PORT`, `<prefix>NAME`, `<prefix>USER`, `<prefix>PASSWORD`
   * (and `<prefix>SSLMODE` when the database sets an sslMode). Ignored with `libpq: true`.
   * @default 'DB_'
   */
  readonly prefix?: string;
  /** Use the libpq names instead (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`), read by psql, pg_dump and most drivers. @default false */
  readonly libpq?: boolean;
  /** Database to connect to; the login is that database's owner when it has one. @default - the default database */
  readonly database?: string;
}

/**
 * Something a NetworkPolicy-governed client can be: pods with labels (a peer) that can open egress to a peer.
 * `Workload` satisfies it, and so do constructs with their own pod policy (e.g. `PostgresBackup`).
 */
export type { IDatabaseClient };

/**
 * A PostgreSQL server as its consumers see it: where it is, which databases it has, which login to use, the
 * environment variables to connect, and the network rules that allow the connection. Implemented by `Postgres`
 * (in-cluster StatefulSet) and `ExternalPostgres` (Cloud SQL, RDS, …).
 *
 * Secrets are referenced by name in the consumer's namespace: a consumer in another namespace needs a Secret
 * with the same name and key there (for example from the same ExternalSecret).
 */
export interface IPostgresDatabase extends IConnectable {
  /** Host name clients connect to. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** The default database (the first of `databaseNames`). */
  readonly databaseName: string;
  /** Every database clients may connect to. */
  readonly databaseNames: readonly string[];
  /** The administrative login (the superuser of an in-cluster server, the given login of an external one). */
  readonly credentials: PostgresCredentials;
  /** libpq sslmode clients should use. @default - libpq's default ('prefer') */
  readonly sslMode?: PostgresSslMode;
  /** The login for one database: its owner if it has one, otherwise `credentials`. */
  credentialsFor(database?: string): PostgresCredentials;
  /** Environment variables to connect: host, port, database and user as literals (or a Secret key), the password always as a Secret key. */
  connectionEnv(options?: PostgresConnectionEnvOptions): Record<string, EnvValue>;
  /** Lets `client` connect: an egress rule on the client and, for an in-cluster server, the ingress rule on the server. */
  allowConnectionFrom(client: IDatabaseClient): void;
  /**
   * Declares the most connections a consumer opens at once (pool size × pods at their maximum). An in-cluster
   * server checks the sum against its `max_connections` at once and fails naming every consumer when it does not fit.
   */
  reserveConnections(consumer: string, connections: number): void;
  /** Consumer → connections declared so far. */
  readonly connectionReservations: Readonly<Record<string, number>>;
}

/** One connection budget: what each consumer declared, checked against `max_connections` minus the superuser reserve. */
export class ConnectionBudget {
  private readonly reservations: Record<string, number> = {};

  /**
   * @param scope the server, named in errors
   * @param maxConnections the server's `max_connections`, or undefined when unknown (external server without it)
   * @param reserved `superuser_reserved_connections` (PostgreSQL default 3), which ordinary logins cannot use
   */
  constructor(private readonly scope: Construct, private readonly maxConnections: number | undefined, private readonly reserved = 3) {}

  public reserve(consumer: string, connections: number): void {
    check(this.scope, Number.isInteger(connections) && connections >= 1, `connections of ${consumer}`, connections, 'must be a positive integer');
    this.reservations[consumer] = (this.reservations[consumer] ?? 0) + connections;
    if (this.maxConnections === undefined) return;
    const total = Object.values(this.reservations).reduce((a, b) => a + b, 0);
    const usable = this.maxConnections - this.reserved;
    const list = Object.keys(this.reservations).sort().map((k) => `${k} ${this.reservations[k]}`).join(', ');
    check(this.scope, total <= usable, 'maxConnections', this.maxConnections,
      `the declared consumers need ${total} connections (${list}) but only ${usable} are open to them ` +
      `(max_connections minus ${this.reserved} superuser_reserved_connections): raise maxConnections to at least ${total + this.reserved} or shrink the pools`);
  }

  public get all(): Readonly<Record<string, number>> {
    return { ...this.reservations };
  }
}

/** Builds `connectionEnv` for both implementations. */
export function postgresConnectionEnv(db: IPostgresDatabase, options: PostgresConnectionEnvOptions = {}): Record<string, EnvValue> {
  const database = options.database ?? db.databaseName;
  const creds = db.credentialsFor(database);
  const names = options.libpq
    ? { host: 'PGHOST', port: 'PGPORT', db: 'PGDATABASE', user: 'PGUSER', password: 'PGPASSWORD', ssl: 'PGSSLMODE' }
    : (() => {
      const p = options.prefix ?? 'DB_';
      return { host: `${p}HOST`, port: `${p}PORT`, db: `${p}NAME`, user: `${p}USER`, password: `${p}PASSWORD`, ssl: `${p}SSLMODE` };
    })();
  const env: Record<string, EnvValue> = {
    [names.host]: db.host,
    [names.port]: String(db.port),
    [names.db]: database,
    [names.user]: typeof creds.username === 'string' ? creds.username : { secretKeyRef: creds.username },
    [names.password]: { secretKeyRef: creds.password },
  };
  if (db.sslMode) env[names.ssl] = db.sslMode;
  return env;
}

/** PostgreSQL identifiers we create: lower case, so they never need quoting by clients. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a database or role name. */
export function checkPostgresIdentifier(scope: Construct, prop: string, value: string): void {
  check(scope, typeof value === 'string' && IDENTIFIER.test(value), prop, value,
    'must be a PostgreSQL identifier of lower-case letters, digits and "_", starting with a letter or "_", at most 63 characters');
}

/** Checks a login: a password Secret key and a literal or Secret-key user name. */
export function checkPostgresCredentials(scope: Construct, prop: string, creds: PostgresCredentials): void {
  check(scope, creds !== undefined && creds.password !== undefined, prop, creds, 'needs a password Secret key ({ secretName, key })');
  checkSecretKeyRef(scope, `${prop}.password`, creds.password);
  if (typeof creds.username === 'string') {
    check(scope, creds.username.length > 0 && creds.username.length <= 63, `${prop}.username`, creds.username, 'must be a non-empty role name of at most 63 characters');
  } else {
    checkSecretKeyRef(scope, `${prop}.username`, creds.username);
  }
}

/** Checks a Secret reference. */
export function checkSecretKeyRef(scope: Construct, prop: string, ref: SecretKeyRef): void {
  check(scope, ref !== undefined && typeof ref.secretName === 'string' && typeof ref.key === 'string', prop, ref, 'must be a Secret key reference { secretName, key }');
  checkDnsSubdomain(scope, `${prop}.secretName`, ref.secretName);
  check(scope, /^[-._a-zA-Z0-9]+$/.test(ref.key), `${prop}.key`, ref.key, 'must be a Secret key: letters, digits, "-", "_" and "."');
}

// ---------------------------------------------------------------------------------------------------------------
// In-cluster server
// ---------------------------------------------------------------------------------------------------------------

/** A database created on first start. */
export interface PostgresDatabaseSpec {
  /** Database name (lower-case PostgreSQL identifier). */
  readonly name: string;
  /** Owner role, created with LOGIN if missing. @default - the superuser owns the database */
  readonly owner?: string;
  /** Password of the owner role, read from the mounted Secret at init time. Required with `owner`. @default - none */
  readonly ownerPassword?: SecretKeyRef;
}

/** The Prometheus postgres-exporter sidecar. */
export interface PostgresExporterOptions {
  /** Exporter image. @default 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0' */
  readonly image?: string;
  /** Exporter resources. @default - 50m CPU, 64Mi request, 128Mi limit */
  readonly resources?: ContainerResources;
  /** Render a ServiceMonitor for the metrics Service (needs the Prometheus Operator CRDs). @default true */
  readonly serviceMonitor?: boolean;
  /** Labels of the ServiceMonitor, matched by the cluster's Prometheus `serviceMonitorSelector` (kube-prometheus-stack: `release: <name>`); required with the ServiceMonitor. @default - none */
  readonly serviceMonitorLabels?: Record<string, string>;
  /** Prometheus pods, allowed to scrape by NetworkPolicy. @default - Prometheus in namespace `monitoring` */
  readonly prometheus?: INetworkPeer;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
}

export interface PostgresProps {
  /** Name of the StatefulSet, its pods and ServiceAccount (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Name of the client Service; clients connect to `<serviceName>.<namespace>.svc.cluster.local`. @default - the name */
  readonly serviceName?: string;
  /** Official `postgres` image, pinned. @default 'postgres:15.10-alpine' */
  readonly image?: string;
  /** UID of the image's `postgres` user: 70 for the alpine images, 999 for the Debian ones. @default 70 */
  readonly runAsUser?: number;
  /** GID of the image's `postgres` group; also the fsGroup owning the volume. @default 70 */
  readonly runAsGroup?: number;
  /** The superuser login: `POSTGRES_USER` (literal or Secret key) and `POSTGRES_PASSWORD_FILE` (the Secret mounted as a file). */
  readonly credentials: PostgresCredentials;
  /** Databases (and owner roles) created by the init script on first start, when the data directory is empty. @default - none: only `postgres` */
  readonly databases?: readonly PostgresDatabaseSpec[];
  /** Size of the data volume. @default '20Gi' */
  readonly storageSize?: string;
  /** StorageClass of the data volume. @default - the cluster default */
  readonly storageClassName?: string;
  /** CPU and memory of the server container. @default - 250m CPU, 512Mi request, 1Gi limit */
  readonly resources?: ContainerResources;
  /** Server settings passed as `-c key=value` (e.g. `{ work_mem: '8MB' }`); `max_connections` goes in `maxConnections`. @default - the image defaults */
  readonly settings?: Record<string, string>;
  /**
   * `max_connections`, rendered as `-c max_connections=<n>`. Consumers declare their pools (`reserveConnections`:
   * Keycloak, Temporal, FastApiBackend, the exporter) and construction fails when their sum exceeds it minus the
   * 3 superuser-reserved connections.
   * @default 100 (postgresql.conf.sample of PostgreSQL 15, used by the official image), not rendered
   */
  readonly maxConnections?: number;
  /** postgres-exporter sidecar with a metrics Service and ServiceMonitor; `false` for none. @default false */
  readonly exporter?: PostgresExporterOptions | false;
  /** Role within the platform (`app.kubernetes.io/component`). @default 'database' */
  readonly component?: string;
  /** Seconds between SIGTERM (fast shutdown) and SIGKILL. @default 60 */
  readonly terminationGracePeriodSeconds?: number;
  /** Named exemptions from validation-gate rules, rule id → reason. @default - none */
  readonly exemptions?: Record<string, string>;
}

const PG_PORT = 5432;
const DATA_DIR = '/var/lib/postgresql/data';
const SECRETS_DIR = '/etc/postgres/secrets';
const EXPORTER_PORT = 9187;

/**
 * A single-primary PostgreSQL server: a StatefulSet with one replica (no replication, so no PDB and no HA; scale
 * up means a managed service or an operator), a PVC, a headless and a client Service, the superuser password
 * mounted as a file, `pg_isready` probes, an init script that creates databases and their owner roles with
 * passwords read from mounted Secrets, and an optional postgres-exporter sidecar.
 *
 * The init script runs only when the data directory is empty (first start); later changes to `databases` need a
 * migration or a manual `CREATE DATABASE`.
 */
export class Postgres extends WorkloadBackedStore implements IPostgresDatabase {
  public readonly workload: Workload;
  public readonly name: string;
  public readonly namespace: string;
  public readonly host: string;
  public readonly port = PG_PORT;
  public readonly databaseName: string;
  public readonly databaseNames: readonly string[];
  public readonly credentials: PostgresCredentials;
  public readonly sslMode?: PostgresSslMode = undefined;
  /** The init-script ConfigMap (mounted at `/docker-entrypoint-initdb.d`). */
  public readonly initScript: ApiObject;
  /** Service exposing the exporter's `metrics` port, when the exporter is on. */
  public readonly metricsService?: ApiObject;
  /** ServiceMonitor for the exporter, when on. */
  public readonly serviceMonitor?: ApiObject;
  protected readonly clientPortName = 'postgres';
  /** `max_connections` the server runs with. */
  public readonly maxConnections: number;
  private readonly databases: readonly PostgresDatabaseSpec[];
  private readonly budget: ConnectionBudget;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    const serviceName = props.serviceName ?? this.name;
    checkDnsLabel(this, 'serviceName', serviceName);
    checkPostgresCredentials(this, 'credentials', props.credentials);
    this.credentials = props.credentials;
    const storageSize = props.storageSize ?? '20Gi';
    checkMemory(this, 'storageSize', storageSize);
    const runAsUser = props.runAsUser ?? 70;
    const runAsGroup = props.runAsGroup ?? runAsUser;

    const databases = props.databases ?? [];
    const owners = new Map<string, SecretKeyRef>();
    databases.forEach((db, i) => {
      checkPostgresIdentifier(this, `databases[${i}].name`, db.name);
      if (db.owner !== undefined) {
        checkPostgresIdentifier(this, `databases[${i}].owner`, db.owner);
        check(this, db.ownerPassword !== undefined, `databases[${i}].ownerPassword`, undefined,
          `database "${db.name}" has owner "${db.owner}": give the owner's password as a Secret key ({ secretName, key })`);
        checkSecretKeyRef(this, `databases[${i}].ownerPassword`, db.ownerPassword);
        check(this, db.owner !== props.credentials.username, `databases[${i}].owner`, db.owner, 'must differ from the superuser');
        const seen = owners.get(db.owner);
        check(this, !seen || (seen.secretName === db.ownerPassword.secretName && seen.key === db.ownerPassword.key), `databases[${i}].ownerPassword`,
          db.ownerPassword, `owner "${db.owner}" is given two different passwords; use the same Secret key for every database it owns`);
        owners.set(db.owner, db.ownerPassword);
      } else {
        check(this, db.ownerPassword === undefined, `databases[${i}].ownerPassword`, db.ownerPassword, 'is only used with owner; set owner or remove it');
      }
    });
    const dbNames = databases.map((d) => d.name);
    check(this, new Set(dbNames).size === dbNames.length, 'databases', dbNames, 'database names must be unique');
    this.databases = databases;
    this.databaseNames = dbNames.length > 0 ? dbNames : ['postgres'];
    this.databaseName = this.databaseNames[0];

    const settings = { ...(props.settings ?? {}) };
    check(this, !('max_connections' in settings), 'settings["max_connections"]', settings.max_connections,
      'set maxConnections instead, so the consumers\' declared pools are checked against it');
    this.maxConnections = props.maxConnections ?? 100;
    check(this, Number.isInteger(this.maxConnections) && this.maxConnections >= 10 && this.maxConnections <= 10000, 'maxConnections', this.maxConnections,
      'must be an integer between 10 and 10000');
    if (props.maxConnections !== undefined) settings.max_connections = String(props.maxConnections);
    this.budget = new ConnectionBudget(this, this.maxConnections);
    for (const [k, v] of Object.entries(settings)) {
      check(this, /^[a-z_][a-z0-9_.]*$/.test(k), `settings["${k}"]`, k, 'must be a PostgreSQL parameter name');
      check(this, !/[\n\r]/.test(v), `settings["${k}"]`, v, 'must be a single line');
    }

    // Every Secret key the server reads, one volume per Secret, so the items of one Secret never overwrite another's.
    const secretKeys = new Map<string, Set<string>>();
    const need = (ref: SecretKeyRef) => secretKeys.set(ref.secretName, (secretKeys.get(ref.secretName) ?? new Set()).add(ref.key));
    need(props.credentials.password);
    for (const ref of owners.values()) need(ref);
    const secretNames = [...secretKeys.keys()].sort();
    const volumes: k8s.Volume[] = secretNames.map((secretName, i) => ({
      name: `credentials-${i}`,
      secret: {
        secretName,
        defaultMode: 0o440,
        items: [...secretKeys.get(secretName)!].sort().map((key) => ({ key, path: key })),
      },
    }));
    const secretMounts = secretNames.map((secretName, i) => ({ name: `credentials-${i}`, mountPath: `${SECRETS_DIR}/${secretName}`, readOnly: true }));
    const fileOf = (ref: SecretKeyRef) => `${SECRETS_DIR}/${ref.secretName}/${ref.key}`;

    const userEnv: EnvValue = typeof props.credentials.username === 'string' ? props.credentials.username : { secretKeyRef: props.credentials.username };
    const pgIsReady = { exec: { command: ['pg_isready', '--host=127.0.0.1', `--port=${PG_PORT}`, '--timeout=4'] } };
    const exporter = props.exporter === false || props.exporter === undefined ? undefined : props.exporter;

    this.workload = new Workload(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      kind: 'StatefulSet',
      component: props.component ?? 'database',
      replicas: 1,
      image: props.image ?? 'postgres:15.10-alpine',
      args: Object.keys(settings).length > 0 ? Object.keys(settings).sort().flatMap((k) => ['-c', `${k}=${settings[k]}`]) : undefined,
      runAsUser,
      runAsGroup,
      fsGroup: runAsGroup,
      env: {
        POSTGRES_USER: userEnv,
        POSTGRES_PASSWORD_FILE: fileOf(props.credentials.password),
        // A subdirectory: initdb refuses a non-empty directory, and a fresh volume's root may hold lost+found.
        PGDATA: `${DATA_DIR}/pgdata`,
      },
      ports: [{ name: 'postgres', port: PG_PORT }],
      resources: props.resources ?? { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      readiness: { ...pgIsReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      liveness: { ...pgIsReady, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
      // initdb and the init scripts run on a socket-only server, so TCP checks fail until they finish: allow 5 minutes.
      startup: { ...pgIsReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
      writableDirectories: ['/tmp', '/var/run/postgresql'],
      configFiles: [{ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', files: { '10-databases.sql': this.renderInitSql(fileOf) } }],
      volumes,
      volumeMounts: secretMounts,
      persistentVolumes: [{ name: 'data', mountPath: DATA_DIR, size: storageSize, storageClassName: props.storageClassName }],
      service: { name: serviceName },
      sidecars: exporter ? [{
        name: 'metrics',
        image: exporter.image ?? 'quay.io/prometheuscommunity/postgres-exporter:v0.16.0',
        env: {
          DATA_SOURCE_URI: `127.0.0.1:${PG_PORT}/postgres?sslmode=disable`,
          DATA_SOURCE_USER: userEnv,
          DATA_SOURCE_PASS_FILE: fileOf(props.credentials.password),
        },
        ports: [{ name: 'metrics', port: EXPORTER_PORT }],
        resources: exporter.resources ?? { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
        readiness: { tcp: { port: 'metrics' }, periodSeconds: 10 },
        liveness: { tcp: { port: 'metrics' }, periodSeconds: 30 },
        volumeMounts: secretMounts.filter((m) => m.mountPath === `${SECRETS_DIR}/${props.credentials.password.secretName}`),
      }] : undefined,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
      exemptions: props.exemptions,
    });
    this.initScript = this.workload.configMaps[0];
    this.host = this.workload.serviceHost;

    if (exporter) {
      const interval = exporter.interval ?? '30s';
      check(this, /^(\d+(ms|s|m|h))+$/.test(interval), 'exporter.interval', interval, 'must be a Prometheus duration such as "30s" or "1m"');
      const labels = {
        ...componentLabels({ name: this.name, platform: chart.platform, component: 'metrics' }),
      };
      this.metricsService = new k8s.KubeService(this, 'MetricsService', {
        metadata: { name: `${this.name}-metrics`, namespace: this.namespace, labels },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.workload.selectorLabels },
          ports: [{ name: 'metrics', port: EXPORTER_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
        },
      });
      // postgres_exporter holds one connection to the server.
      this.reserveConnections(`${this.node.path}/exporter`, 1);
      // The exporter is a sidecar, so Workload.allowFrom (main-container ports only) cannot name its port.
      this.workload.networkPolicy.addIngress(exporter.prometheus ?? PROMETHEUS, [{ port: EXPORTER_PORT }]);
      if (exporter.serviceMonitor ?? true) {
        check(this, Object.keys(exporter.serviceMonitorLabels ?? {}).length > 0, 'exporter.serviceMonitorLabels', exporter.serviceMonitorLabels,
          'must name the labels the cluster\'s Prometheus serviceMonitorSelector matches (kube-prometheus-stack: { release: "<release name>" }), or set exporter.serviceMonitor: false');
        this.serviceMonitor = new ServiceMonitorResource(this, 'ServiceMonitor', {
          metadata: { name: `${this.name}-metrics`, namespace: this.namespace, labels: exporter.serviceMonitorLabels },
          spec: {
            selector: { matchLabels: { ...this.workload.selectorLabels, 'app.kubernetes.io/component': 'metrics' } },
            namespaceSelector: { matchNames: [this.namespace] },
            endpoints: [{ port: 'metrics', path: '/metrics', interval }],
          },
        });
      }
    }
  }

  public reserveConnections(consumer: string, connections: number): void {
    this.budget.reserve(consumer, connections);
  }

  public get connectionReservations(): Readonly<Record<string, number>> {
    return this.budget.all;
  }

  public credentialsFor(database?: string): PostgresCredentials {
    const name = database ?? this.databaseName;
    check(this, name === 'postgres' || this.databaseNames.includes(name), 'database', name,
      `must be one of the server's databases (${[...new Set(['postgres', ...this.databaseNames])].join(', ')})`);
    const spec = this.databases.find((d) => d.name === name);
    return spec?.owner && spec.ownerPassword ? { username: spec.owner, password: spec.ownerPassword } : this.credentials;
  }

  public connectionEnv(options?: PostgresConnectionEnvOptions): Record<string, EnvValue> {
    return postgresConnectionEnv(this, options);
  }

  /**
   * SQL run by the image's entrypoint through psql on first start. Passwords are read by psql's backtick
   * substitution from the mounted files and bound as quoted literals (`:'var'`), so they never appear in the
   * ConfigMap, on a command line or unquoted in SQL.
   */
  private renderInitSql(fileOf: (ref: SecretKeyRef) => string): string {
    const lines = [
      // Kept as first written (the construct now lives in lib/data/postgres.ts): a new text would change the init
      // script's checksum and roll every PostgreSQL for a comment.
      '-- Rendered by lib/postgres.ts. Runs once, when the data directory is initialised.',
      '\\set ON_ERROR_STOP on',
    ];
    const createdRoles = new Set<string>();
    for (const db of [...this.databases].sort((a, b) => a.name.localeCompare(b.name, 'en'))) {
      lines.push('', `-- database ${db.name}${db.owner ? ` owned by ${db.owner}` : ''}`);
      if (db.owner && db.ownerPassword && !createdRoles.has(db.owner)) {
        createdRoles.add(db.owner);
        lines.push(
          `\\set owner_password \`cat '${fileOf(db.ownerPassword)}'\``,
          `SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '${db.owner}', :'owner_password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${db.owner}')\\gexec`,
          '\\unset owner_password',
        );
      }
      lines.push(db.owner
        ? `SELECT format('CREATE DATABASE %I OWNER %I', '${db.name}', '${db.owner}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db.name}')\\gexec`
        : `SELECT format('CREATE DATABASE %I', '${db.name}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${db.name}')\\gexec`);
      if (db.owner) lines.push(`REVOKE ALL ON DATABASE "${db.name}" FROM PUBLIC;`, `GRANT ALL ON DATABASE "${db.name}" TO "${db.owner}";`);
    }
    return `${lines.join('\n')}\n`;
  }
}
