import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { ContainerResources, EnvValue } from '../core/container';
import { check } from '../core/errors';
import { checkDnsLabel } from '../core/names';
import { Keycloak } from './keycloak';
import { IHttpBackend } from '../core/http-backend';
import { INetworkPeer, Peer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { IPostgresDatabase } from '../data/postgres';
import { SecretKeyRef } from '../core/secret-ref';
import { TemporalNamespaceJob, TemporalSchemaJob, temporalStores } from './temporal-schema-job';
import { Workload } from '../workloads/workload';

/** Frontend gRPC port: what SDK clients and workers dial. */
export const TEMPORAL_FRONTEND_PORT = 7233;
/** Web UI HTTP port. */
export const TEMPORAL_UI_PORT = 8080;

// Internal gRPC and membership (ringpop) ports of the history, matching and worker services, which the
// services dial on the broadcast (pod) address even inside one process.
const INTERNAL_PORTS = [
  { name: 'history', port: 7234 },
  { name: 'matching', port: 7235 },
  { name: 'worker', port: 7239 },
  { name: 'member-front', port: 6933 },
  { name: 'member-history', port: 6934 },
  { name: 'member-match', port: 6935 },
  { name: 'member-worker', port: 6939 },
] as const;

/** OIDC login of the Temporal Web UI (an authorization-code client at the identity provider). */
export interface TemporalUiAuth {
  /**
   * The in-cluster Keycloak and realm to log in with. The UI server then fetches discovery, tokens and keys from
   * Keycloak's Service inside the cluster (`providerUrl` = `Keycloak.internalRealmUrl`) and expects the public
   * issuer (`issuerUrl` = `Keycloak.issuerUrl`); the network rule to Keycloak's HTTP port is opened. The public
   * host, from a pod, resolves to this cluster's own load balancer, which the UI's egress policy does not reach.
   * @default - none: give `providerUrl`
   */
  readonly keycloak?: { readonly instance: Keycloak; readonly realm: string };
  /** Where the UI server fetches the OIDC discovery document, e.g. `https://auth.example.com/realms/main`. @default - from `keycloak` */
  readonly providerUrl?: string;
  /** The issuer tokens carry, when it differs from `providerUrl` (`TEMPORAL_AUTH_ISSUER_URL`). @default - from `keycloak`, else `providerUrl` */
  readonly issuerUrl?: string;
  /** Client ID at the provider. */
  readonly clientId: string;
  /** Client secret, a key of a Secret in Temporal's namespace. */
  readonly clientSecret: SecretKeyRef;
  /** Public URL of the UI's callback: `https://<ui host>/auth/sso/callback`. */
  readonly callbackUrl: string;
  /** Where the UI server reaches the provider (discovery, token exchange). @default - Keycloak's pods with `keycloak`, else any public address on 443 */
  readonly providerPeer?: INetworkPeer;
}

export interface TemporalProps {
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * `auto-setup`: the `temporalio/auto-setup` image creates and migrates the schemas on every start and runs all
   * services in one pod. Meant for development: schema changes race with a second replica and run unreviewed.
   * `production`: the `temporalio/server` image, with schemas set up by an Argo CD hook Job
   * (`temporalio/admin-tools` running `temporal-sql-tool`) before the server starts.
   * @default 'auto-setup'
   */
  readonly mode?: 'auto-setup' | 'production';
  /** Server image. @default - 'temporalio/auto-setup:1.22.4' in auto-setup mode, 'temporalio/server:1.22.4' in production mode */
  readonly serverImage?: string;
  /** Admin-tools image of the schema Job (production mode), same version as the server. @default 'temporalio/admin-tools:1.22.4' */
  readonly adminToolsImage?: string;
  /** Web UI image. @default 'temporalio/ui:2.21.3' */
  readonly uiImage?: string;
  /** The PostgreSQL server of the default and visibility stores; Temporal logs in as the owner of `databaseName` and the network rules are opened. */
  readonly database: IPostgresDatabase;
  /** Database of the default store. @default 'temporal' */
  readonly databaseName?: string;
  /** Database of the visibility store. @default 'temporal_visibility' */
  readonly visibilityDatabaseName?: string;
  /** Create the databases (the user needs CREATEDB); off when the PostgreSQL construct creates them. @default false */
  readonly createDatabases?: boolean;
  /** Argo CD phase of the schema Job (production mode); see `TemporalSchemaJobProps.hookPhase`. @default - 'Sync' when the database is in the same chart, else 'PreSync' */
  readonly schemaHookPhase?: 'PreSync' | 'Sync';
  /** Server pods, each running every service; more than one only in production mode. @default 1 */
  readonly serverReplicas?: number;
  /** Web UI pods. @default 1 */
  readonly uiReplicas?: number;
  /**
   * OIDC login for the Web UI. Without it anyone who reaches the UI can read, signal and terminate workflows:
   * leave it unset only when the UI is not exposed. @default - no login
   */
  readonly uiAuth?: TemporalUiAuth;
  /**
   * Temporal namespace the workflows run in, registered by auto-setup at start (auto-setup mode) or by an Argo CD
   * PostSync Job (production mode: `temporalio/server` registers none).
   * @default 'default'
   */
  readonly defaultNamespace?: string;
  /** Retention of closed workflows in `defaultNamespace`, in days, set when it is registered. @default 7 */
  readonly namespaceRetentionDays?: number;
  /**
   * `NUM_HISTORY_SHARDS`: fixed at the first start and never changeable without a new database, so sized for
   * the largest expected load up front (upstream's template default is 4).
   * @default - 512 in production mode, 4 in auto-setup mode
   */
  readonly numHistoryShards?: number;
  /** Web UI read-only (`TEMPORAL_DISABLE_WRITE_ACTIONS`): no terminate, cancel, signal or reset from the UI. @default false */
  readonly uiReadOnly?: boolean;
  /** Argo CD sync wave of the schema Job (production mode); see `TemporalSchemaJobProps.syncWave`. @default - one above the database's wave when it is in the same chart */
  readonly schemaSyncWave?: number;
  /** Server CPU and memory. @default - 250m CPU and 512Mi memory requested, 1Gi memory limit */
  readonly serverResources?: ContainerResources;
  /** Web UI CPU and memory. @default - 50m CPU and 128Mi memory requested, 256Mi memory limit */
  readonly uiResources?: ContainerResources;
  /** Seconds the server's startup probe allows (auto-setup migrates the schema first). @default 300 */
  readonly startupBudgetSeconds?: number;
  /**
   * Connection pools per server pod, `SQL_MAX_CONNS` (default store) and `SQL_VIS_MAX_CONNS` (visibility), declared
   * to the database's connection budget for every replica (docker/config_template.yaml, temporalio/temporal v1.22.4:
   * defaults 20 and 10).
   * @default { default: 20, visibility: 10 }
   */
  readonly databasePool?: { readonly default: number; readonly visibility: number };
}

/**
 * A Temporal cluster on PostgreSQL: the server (all services in one Deployment, frontend gRPC on 7233 behind
 * the Service `temporal-frontend`) and the Web UI on 8080 (Service `temporal-web`) pointed at the frontend.
 * In production mode, an Argo CD hook Job sets up the schemas.
 */
export class Temporal extends Construct implements IHttpBackend {
  /** The server Deployment; its Service is `temporal-frontend`. */
  public readonly server: Workload;
  /** The Web UI Deployment; its Service is `temporal-web`. */
  public readonly ui: Workload;
  /** The schema Job (production mode). */
  public readonly schemaJob?: TemporalSchemaJob;
  /** The Job registering `defaultNamespace` (production mode). */
  public readonly namespaceJob?: TemporalNamespaceJob;
  public readonly mode: 'auto-setup' | 'production';

  /** An edge routes to the Temporal Web UI directly (`backend: temporal`): Service name. */
  public get serviceName(): string {
    return this.ui.serviceName;
  }

  /** Namespace of the Web UI's Service. */
  public get namespace(): string {
    return this.ui.namespace;
  }

  /** Resolves `portName` (`http` by default) of the Web UI's Service, for an edge. */
  public resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number } {
    return this.ui.resolveHttpPort(portName ?? 'http');
  }

  /** Lets `peer` (the edge's data plane) reach the Web UI's Service on `portNames` (`http` by default). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.ui.allowFrom(peer, portNames ?? ['http']);
  }

  constructor(scope: Construct, id: string, props: TemporalProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const namespace = props.namespace ?? chart.defaultNamespace;
    this.mode = props.mode ?? 'auto-setup';
    const db = props.database;
    const stores = temporalStores(this, db, props.databaseName, props.visibilityDatabaseName, props.createDatabases ?? false);
    const serverReplicas = props.serverReplicas ?? 1;
    check(this, Number.isInteger(serverReplicas) && serverReplicas >= 1, 'serverReplicas', serverReplicas, 'must be an integer of at least 1');
    check(this, serverReplicas === 1 || this.mode === 'production', 'serverReplicas', serverReplicas,
      'auto-setup runs schema setup in every pod at start; more than one replica needs mode: "production"');
    const defaultNamespace = props.defaultNamespace ?? 'default';
    checkDnsLabel(this, 'defaultNamespace', defaultNamespace);
    const retentionDays = props.namespaceRetentionDays ?? 7;
    check(this, Number.isInteger(retentionDays) && retentionDays >= 1 && retentionDays <= 3650, 'namespaceRetentionDays', retentionDays,
      'must be an integer number of days between 1 and 3650');
    const pool = props.databasePool ?? { default: 20, visibility: 10 };
    for (const key of ['default', 'visibility'] as const) {
      check(this, Number.isInteger(pool[key]) && pool[key] >= 1 && pool[key] <= 1000, `databasePool.${key}`, pool[key], 'must be an integer between 1 and 1000');
    }
    const shards = props.numHistoryShards ?? (this.mode === 'production' ? 512 : 4);
    check(this, Number.isInteger(shards) && shards >= 1 && shards <= 16384 && (shards & (shards - 1)) === 0, 'numHistoryShards', shards,
      'must be a power of two between 1 and 16384 (it cannot change after the first start)');
    const startupBudget = props.startupBudgetSeconds ?? 300;
    check(this, Number.isInteger(startupBudget) && startupBudget >= 30, 'startupBudgetSeconds', startupBudget, 'must be an integer of at least 30');
    const serverImage = props.serverImage ?? (this.mode === 'auto-setup' ? 'temporalio/auto-setup:1.22.4' : 'temporalio/server:1.22.4');
    const expectedRepo = this.mode === 'auto-setup' ? 'auto-setup' : 'server';
    check(this, imageRepository(serverImage).endsWith(`/${expectedRepo}`) || imageRepository(serverImage) === expectedRepo, 'serverImage', serverImage,
      `mode "${this.mode}" runs the temporalio/${expectedRepo} image (or a mirror of it)`);

    const env: Record<string, EnvValue> = {
      DB: 'postgres12',
      DB_PORT: String(db.port),
      POSTGRES_SEEDS: db.host,
      POSTGRES_USER: typeof stores.credentials.username === 'string' ? stores.credentials.username : { secretKeyRef: stores.credentials.username },
      POSTGRES_PWD: { secretKeyRef: stores.credentials.password },
      DBNAME: stores.databaseName,
      VISIBILITY_DBNAME: stores.visibilityDatabaseName,
      // Listen on every interface and advertise the pod IP to the membership ring.
      BIND_ON_IP: '0.0.0.0',
      TEMPORAL_BROADCAST_ADDRESS: { fieldPath: 'status.podIP' },
      // persistence.numHistoryShards in docker/config_template.yaml (temporalio/temporal v1.22.4) reads this, default "4".
      NUM_HISTORY_SHARDS: String(shards),
      // The pools the connection budget counts (same template: maxConns/maxIdleConns of both stores).
      SQL_MAX_CONNS: String(pool.default),
      SQL_MAX_IDLE_CONNS: String(pool.default),
      SQL_VIS_MAX_CONNS: String(pool.visibility),
      SQL_VIS_MAX_IDLE_CONNS: String(pool.visibility),
    };
    if (this.mode === 'auto-setup') {
      // docker/auto-setup.sh (temporalio/docker-builds, branch release/v1.22.x, the 1.22.4 image): registers
      // DEFAULT_NAMESPACE with DEFAULT_NAMESPACE_RETENTION (default "1" day) and, unless skipped, adds the
      // Custom*Field test search attributes to it.
      env.SKIP_DB_CREATE = String(!(props.createDatabases ?? false));
      env.DEFAULT_NAMESPACE = defaultNamespace;
      env.DEFAULT_NAMESPACE_RETENTION = `${retentionDays * 24}h`;
      env.SKIP_ADD_CUSTOM_SEARCH_ATTRIBUTES = 'true';
      env.TEMPORAL_ADDRESS = `127.0.0.1:${TEMPORAL_FRONTEND_PORT}`;
    }

    const configVolume = 'temporal-config';
    this.server = new Workload(this, 'Server', {
      name: 'temporal-server',
      namespace,
      component: 'workflow-engine',
      image: serverImage,
      env,
      replicas: serverReplicas,
      runAsUser: 1000,
      ports: [
        { name: 'grpc', port: TEMPORAL_FRONTEND_PORT },
        ...INTERNAL_PORTS.map((p) => ({ ...p, expose: false })),
      ],
      service: { name: 'temporal-frontend' },
      resources: props.serverResources ?? { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      startup: { tcp: { port: 'grpc' }, periodSeconds: 10, failureThreshold: Math.ceil(startupBudget / 10) },
      readiness: { tcp: { port: 'grpc' }, periodSeconds: 10, failureThreshold: 3 },
      liveness: { tcp: { port: 'grpc' }, periodSeconds: 20, failureThreshold: 3 },
      ...seededConfig(serverImage, '/etc/temporal/config', configVolume),
      writableDirectories: ['/tmp', '/home/temporal'],
    });
    // The services call each other on the pod address, across pods when there is more than one replica.
    this.server.connectTo(this.server, INTERNAL_PORTS.map((p) => p.name));

    const auth = props.uiAuth;
    const kc = auth?.keycloak;
    if (auth) {
      check(this, (auth.providerUrl === undefined) !== (kc === undefined), 'uiAuth.providerUrl', auth.providerUrl,
        'give exactly one of uiAuth.keycloak (an in-cluster Keycloak) and uiAuth.providerUrl');
      for (const field of ['providerUrl', 'issuerUrl', 'callbackUrl'] as const) {
        const url = auth[field];
        if (url !== undefined) check(this, /^https:\/\/[a-z0-9.-]+(:\d+)?(\/\S*)?$/.test(url), `uiAuth.${field}`, url, 'must be an https URL');
      }
      check(this, auth.callbackUrl.endsWith('/auth/sso/callback'), 'uiAuth.callbackUrl', auth.callbackUrl,
        'must end with /auth/sso/callback, the path the Temporal UI server handles');
    }
    // temporalio/ui v2.21.3: server/docker/config-template.yaml maps TEMPORAL_AUTH_ISSUER_URL to issuerUrl and
    // server/server/route/auth.go passes it to oidc.InsecureIssuerURLContext, so discovery may come from an
    // in-cluster URL while tokens keep the public issuer; the server exits (log.Fatal) if discovery fails.
    const providerUrl = kc ? kc.instance.internalRealmUrl(kc.realm) : auth?.providerUrl;
    const issuerUrl = auth?.issuerUrl ?? (kc ? kc.instance.issuerUrl(kc.realm) : undefined);
    this.ui = new Workload(this, 'Ui', {
      name: 'temporal-web',
      namespace,
      component: 'workflow-ui',
      image: props.uiImage ?? 'temporalio/ui:2.21.3',
      env: {
        TEMPORAL_ADDRESS: `${this.server.serviceHost}:${TEMPORAL_FRONTEND_PORT}`,
        TEMPORAL_UI_PORT: String(TEMPORAL_UI_PORT),
        // disableWriteActions in server/docker/config-template.yaml (temporalio/ui v2.21.3).
        TEMPORAL_DISABLE_WRITE_ACTIONS: String(props.uiReadOnly ?? false),
        ...(auth && providerUrl ? {
          TEMPORAL_AUTH_ENABLED: 'true',
          TEMPORAL_AUTH_PROVIDER_URL: providerUrl,
          ...(issuerUrl !== undefined ? { TEMPORAL_AUTH_ISSUER_URL: issuerUrl } : {}),
          TEMPORAL_AUTH_CLIENT_ID: auth.clientId,
          TEMPORAL_AUTH_CLIENT_SECRET: { secretKeyRef: auth.clientSecret },
          TEMPORAL_AUTH_CALLBACK_URL: auth.callbackUrl,
          TEMPORAL_AUTH_SCOPES: 'openid,profile,email',
        } : {}),
      },
      replicas: props.uiReplicas ?? 1,
      runAsUser: 5000,
      ports: [{ name: 'http', port: TEMPORAL_UI_PORT }],
      resources: props.uiResources ?? { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
      readiness: { http: { path: '/', port: 'http' }, periodSeconds: 10 },
      liveness: { http: { path: '/', port: 'http' }, periodSeconds: 20 },
      ...seededConfig(props.uiImage ?? 'temporalio/ui:2.21.3', '/home/ui-server/config', configVolume),
    });
    this.ui.connectTo(this.server, ['grpc']);
    if (auth?.providerPeer) this.ui.allowTo(auth.providerPeer, [{ port: 443 }]);
    else if (kc) this.ui.connectTo(kc.instance.workload, ['http']);
    else if (auth) this.ui.allowTo(Peer.internet(), [{ port: 443 }]);
    db.allowConnectionFrom(this.server);
    db.reserveConnections(this.server.node.path, serverReplicas * (pool.default + pool.visibility));

    if (this.mode === 'production') {
      this.schemaJob = new TemporalSchemaJob(this, 'Schema', {
        namespace,
        image: props.adminToolsImage,
        database: db,
        databaseName: stores.databaseName,
        visibilityDatabaseName: stores.visibilityDatabaseName,
        createDatabases: props.createDatabases,
        hookPhase: props.schemaHookPhase,
        syncWave: props.schemaSyncWave,
      });
      // temporalio/server runs no auto-setup.sh, so nothing registers the namespace the workers poll.
      this.namespaceJob = new TemporalNamespaceJob(this, 'Namespace', {
        namespace,
        image: props.adminToolsImage,
        frontend: this.server,
        frontendAddress: this.frontendAddress,
        temporalNamespace: defaultNamespace,
        retentionDays,
      });
    }
  }

  /** `temporal-frontend.<namespace>.svc.cluster.local:7233`, what SDK clients and workers dial. */
  public get frontendAddress(): string {
    return `${this.server.serviceHost}:${TEMPORAL_FRONTEND_PORT}`;
  }
}

/**
 * The Temporal images render their config template into the config directory at start; with a read-only root
 * filesystem that directory is an emptyDir, seeded from the image by an init container.
 */
function seededConfig(image: string, configDir: string, volume: string) {
  return {
    volumes: [{ name: volume, emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
    volumeMounts: [{ name: volume, mountPath: configDir }],
    initContainers: [{
      name: 'seed-config',
      image,
      command: ['/bin/sh', '-c', `cp -R ${configDir}/. /seed/config/`],
      resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '64Mi' },
      volumeMounts: [{ name: volume, mountPath: '/seed/config' }],
    }],
  };
}

function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0];
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, lastColon) : withoutDigest;
}
