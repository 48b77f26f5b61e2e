import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import {
  acmeClusterIssuer, Edge, ExistingSecret, FastApiBackend, Keycloak, NamespaceBaseline, PlatformChart, Postgres, Redis, setSyncWave, Temporal, Workload,
} from '../../lib';
import { PlatformDefinition } from '../platform';
import { AROTI_CONFIG, AROTI_ENVIRONMENTS, ArotiConfig, ArotiEnvironment } from './config';

export * from './config';

/**
 * Argo CD sync waves, in the document's deployment order: namespaces (and the issuer) first, then PostgreSQL
 * (required by all), Redis, Keycloak, Temporal, the backend API and the Temporal worker. A wave must be healthy
 * before the next is applied.
 */
export const AROTI_SYNC_WAVES = {
  foundation: 0,
  postgres: 10,
  redis: 20,
  keycloak: 30,
  temporalSchema: 39,
  temporal: 40,
  api: 50,
  worker: 60,
} as const;

/** Id of the Temporal worker inside the backend; its Deployment is `aroti-backend-api-temporal-worker`. */
const WORKER_ID = 'temporal-worker';

export interface ArotiChartProps {
  /** Environment name. */
  readonly environment: ArotiEnvironment;
  /** Settings. @default - AROTI_CONFIG[environment] */
  readonly config?: ArotiConfig;
}

/**
 * Aroti in one environment: four namespaces with default-deny, PostgreSQL (database), Redis and the backend API
 * with its Temporal worker (aroti), Keycloak (keycloak), Temporal server and Web UI (temporal), one NGINX Ingress
 * per namespace with cert-manager TLS, and network rules that admit exactly the connections of the document.
 */
/** Keycloak client the Temporal Web UI logs people in with. */
const TEMPORAL_UI_CLIENT_ID = 'temporal-ui';

export class ArotiChart extends PlatformChart {
  public readonly config: ArotiConfig;
  public readonly namespaces: Readonly<Record<keyof ArotiConfig['namespaces'], NamespaceBaseline>>;
  public readonly clusterIssuer?: ClusterIssuer;
  public readonly postgres: Postgres;
  public readonly redis: Redis;
  public readonly keycloak: Keycloak;
  public readonly temporal: Temporal;
  public readonly backend: FastApiBackend;
  /** The Temporal worker Deployment. */
  public readonly worker: Workload;
  /** The public hosts (API, Keycloak, Temporal Web), rendered as config.edge says. */
  public readonly edge: Edge;

  constructor(scope: Construct, id: string, props: ArotiChartProps) {
    const config = props.config ?? AROTI_CONFIG[props.environment];
    super(scope, id, { platform: 'aroti', environment: props.environment, namespace: config.namespaces.app });
    this.config = config;
    const ns = config.namespaces;
    const s = config.secrets;

    this.namespaces = {
      app: new NamespaceBaseline(this, 'Namespace-app', { name: ns.app }),
      database: new NamespaceBaseline(this, 'Namespace-database', { name: ns.database }),
      keycloak: new NamespaceBaseline(this, 'Namespace-keycloak', { name: ns.keycloak }),
      temporal: new NamespaceBaseline(this, 'Namespace-temporal', { name: ns.temporal }),
    };
    const issuer = config.clusterIssuer;
    if (issuer.render) {
      this.clusterIssuer = acmeClusterIssuer(this, 'ClusterIssuer', { name: issuer.name, server: issuer.server, email: issuer.email });
    } else {
      this.addExternalReference({ kind: 'ClusterIssuer', name: issuer.name, reason: 'rendered by expense-tracker in the same cluster (config.ts: clusterIssuer)' });
    }

    // Secrets, declared in every namespace that reads them (a secretKeyRef cannot cross namespaces).
    const pgKeys = s.postgres.keys;
    const postgresSecret = (namespace: string, keys: readonly string[]) => new ExistingSecret(this, `PostgresSecret-${namespace}`, {
      name: s.postgres.name, namespace, keys, managedBy: s.managedBy,
    });
    const pgDatabase = postgresSecret(ns.database, [pgKeys.superuser, pgKeys.aroti, pgKeys.keycloak, pgKeys.temporal]);
    postgresSecret(ns.app, [pgKeys.aroti]);
    postgresSecret(ns.keycloak, [pgKeys.keycloak]);
    postgresSecret(ns.temporal, [pgKeys.temporal]);
    const redisSecret = new ExistingSecret(this, 'RedisSecret', { name: s.redis.name, namespace: ns.app, keys: Object.values(s.redis.keys), managedBy: s.managedBy });
    const keycloakSecret = new ExistingSecret(this, 'KeycloakSecret', {
      name: s.keycloak.name, namespace: ns.keycloak, keys: Object.values(s.keycloak.keys), managedBy: s.managedBy,
    });
    const backendSecret = new ExistingSecret(this, 'BackendSecret', {
      name: s.backend.name, namespace: ns.app, keys: Object.values(s.backend.keys), managedBy: s.managedBy,
    });

    // PostgreSQL 15: one server, one database and owner per consumer (Temporal's two stores share one owner).
    const temporalOwner = { owner: 'temporal', ownerPassword: pgDatabase.keyRef(pgKeys.temporal) };
    this.postgres = new Postgres(this, 'Postgres', {
      name: 'postgres',
      namespace: ns.database,
      image: config.postgres.image,
      credentials: { username: 'postgres', password: pgDatabase.keyRef(pgKeys.superuser) },
      databases: [
        { name: 'aroti', owner: 'aroti', ownerPassword: pgDatabase.keyRef(pgKeys.aroti) },
        { name: 'keycloak', owner: 'keycloak', ownerPassword: pgDatabase.keyRef(pgKeys.keycloak) },
        { name: 'temporal', ...temporalOwner },
        { name: 'temporal_visibility', ...temporalOwner },
      ],
      storageSize: config.postgres.storageSize,
      storageClassName: config.postgres.storageClassName,
      resources: config.postgres.resources,
      maxConnections: config.postgres.maxConnections,
    });

    this.redis = new Redis(this, 'Redis', {
      // Cache and rate limits: every key can be rebuilt, so LRU eviction is fine.
      usage: 'cache',
      name: 'redis',
      namespace: ns.app,
      image: config.redis.image,
      password: redisSecret.keyRef(s.redis.keys.password),
      maxmemory: config.redis.maxmemory,
      maxmemoryPolicy: config.redis.maxmemoryPolicy,
      appendOnly: config.redis.appendOnly,
      resources: config.redis.resources,
    });

    const kc = config.keycloak;
    this.keycloak = new Keycloak(this, 'Keycloak', {
      name: 'keycloak',
      namespace: ns.keycloak,
      image: kc.image,
      hostname: config.hosts.auth,
      database: this.postgres,
      databaseName: 'keycloak',
      bootstrapAdminUsername: keycloakSecret.keyRef(s.keycloak.keys.adminUsername),
      bootstrapAdminPassword: keycloakSecret.keyRef(s.keycloak.keys.adminPassword),
      replicas: kc.replicas,
      cache: kc.cache,
      resources: kc.resources,
      realms: [{
        name: kc.realm,
        displayName: 'Aroti',
        publicClients: [{ clientId: kc.iosClient.clientId, redirectUris: kc.iosClient.redirectUris }],
        confidentialClients: [{ clientId: kc.backendClientId, secret: keycloakSecret.keyRef(s.keycloak.keys.backendClientSecret) }],
      }, {
        // The Temporal Web UI is on the internet and the server has no authorizer: only staff accounts (created by
        // an admin in this realm, which has no self-registration) log in, never the app's end users.
        name: kc.staffRealm,
        displayName: 'Aroti staff',
        confidentialClients: [{
          clientId: TEMPORAL_UI_CLIENT_ID, secret: keycloakSecret.keyRef(s.keycloak.keys.temporalUiClientSecret),
          redirectUris: [`https://${config.hosts.temporal}/auth/sso/callback`], serviceAccountsEnabled: false,
        }],
      }],
    });

    const t = config.temporal;
    this.temporal = new Temporal(this, 'Temporal', {
      namespace: ns.temporal,
      mode: t.mode,
      serverImage: t.serverImage,
      adminToolsImage: t.adminToolsImage,
      uiImage: t.uiImage,
      database: this.postgres,
      // The database is synced by this same Application, so the schema Job is a Sync hook (the default) in its own wave.
      schemaSyncWave: AROTI_SYNC_WAVES.temporalSchema,
      serverReplicas: t.serverReplicas,
      uiReplicas: t.uiReplicas,
      defaultNamespace: t.namespace,
      namespaceRetentionDays: t.retentionDays,
      numHistoryShards: t.numHistoryShards,
      uiReadOnly: t.uiReadOnly,
      serverResources: t.serverResources,
      uiResources: t.uiResources,
      uiAuth: {
        // Discovery and token exchange go to Keycloak's Service; tokens keep the public issuer.
        keycloak: { instance: this.keycloak, realm: kc.staffRealm },
        clientId: TEMPORAL_UI_CLIENT_ID,
        clientSecret: new ExistingSecret(this, 'TemporalUiSecret', {
          name: s.temporalUi.name, namespace: ns.temporal, keys: Object.values(s.temporalUi.keys), managedBy: s.managedBy,
        }).keyRef(s.temporalUi.keys.clientSecret),
        callbackUrl: `https://${config.hosts.temporal}/auth/sso/callback`,
      },
    });

    const b = config.backend;
    this.backend = new FastApiBackend(this, 'Backend', {
      name: 'aroti-backend-api',
      namespace: ns.app,
      image: b.image,
      port: b.port,
      resources: b.resources,
      database: this.postgres,
      databaseEnv: { database: 'aroti' },
      env: {
        LOG_LEVEL: b.logLevel,
        TEMPORAL_ADDRESS: this.temporal.frontendAddress,
        TEMPORAL_NAMESPACE: t.namespace,
      },
      // Redis and Keycloak are the API's alone (the network policies say so too): the worker gets no credentials for them.
      apiEnv: {
        ...this.redis.connectionEnv(),
        // Back-channel calls (token, JWKS) stay in the cluster; tokens carry the public issuer.
        KEYCLOAK_URL: `http://${this.keycloak.workload.serviceHost}:8080`,
        KEYCLOAK_ISSUER: `https://${config.hosts.auth}/realms/${kc.realm}`,
        KEYCLOAK_REALM: kc.realm,
        KEYCLOAK_CLIENT_ID: kc.backendClientId,
        KEYCLOAK_CLIENT_SECRET: { secretKeyRef: backendSecret.keyRef(s.backend.keys.keycloakClientSecret) },
      },
      livenessPeriodSeconds: b.livenessPeriodSeconds,
      readinessPeriodSeconds: b.readinessPeriodSeconds,
      startupFailureThreshold: b.startup.attempts,
      startupPeriodSeconds: b.startup.periodSeconds,
      migrationCommand: b.migrationCommand,
      autoscaling: {
        minReplicas: b.autoscaling.minReplicas,
        maxReplicas: b.autoscaling.maxReplicas,
        cpuUtilizationPercent: b.autoscaling.cpuPercent,
      },
    });
    this.worker = this.backend.addWorker(WORKER_ID, {
      command: b.worker.command,
      replicas: b.worker.replicas,
      resources: b.worker.resources,
      exemptions: {
        'practice/probes': 'the Temporal worker serves no HTTP and writes no heartbeat file; the Temporal server reschedules the tasks of a dead worker after their timeouts',
      },
    });

    // Who talks to whom (the document's diagram). PostgreSQL: API and worker (FastApiBackend's `database`),
    // Keycloak and Temporal (their `database`). Redis and Keycloak: the API only. Temporal: the API and the worker.
    this.redis.allowConnectionFrom(this.backend.api);
    this.backend.api.connectTo(this.keycloak.workload, ['http']);
    this.backend.api.connectTo(this.temporal.server, ['grpc']);
    this.worker.connectTo(this.temporal.server, ['grpc']);

    // One host per namespace; Keycloak's backend carries its own edge requirements (long response headers).
    this.edge = new Edge(this, 'Edge', {
      rendering: config.edge,
      clusterIssuer: issuer.name,
      hosts: [
        { host: config.hosts.api, name: 'aroti-backend-api', paths: [{ backend: this.backend }] },
        { host: config.hosts.auth, name: 'keycloak', paths: [{ backend: this.keycloak }] },
        { host: config.hosts.temporal, name: 'temporal-web', paths: [{ backend: this.temporal }] },
      ],
    });

    // Waves: set the most specific first; setSyncWave keeps a wave already set.
    const w = AROTI_SYNC_WAVES;
    for (const baseline of Object.values(this.namespaces)) setSyncWave(baseline, w.foundation);
    if (this.clusterIssuer) setSyncWave(this.clusterIssuer, w.foundation);
    setSyncWave(this.postgres, w.postgres);
    setSyncWave(this.redis, w.redis);
    setSyncWave(this.keycloak, w.keycloak);
    setSyncWave(this.edge.hostScope('keycloak'), w.keycloak);
    if (this.temporal.schemaJob) setSyncWave(this.temporal.schemaJob, w.temporalSchema);
    setSyncWave(this.temporal, w.temporal);
    setSyncWave(this.edge.hostScope('temporal-web'), w.temporal);
    setSyncWave(this.worker, w.worker);
    setSyncWave(this.backend, w.api);
    setSyncWave(this.edge, w.api);
  }
}

/** The Aroti platform: `staging` and `production`, one chart each. */
export const aroti: PlatformDefinition<ArotiEnvironment> = {
  name: 'aroti',
  environments: AROTI_ENVIRONMENTS,
  build: (app: App, environment: ArotiEnvironment) => new ArotiChart(app, `aroti-${environment}`, { environment }),
};
