/**
 * The connectors platform: Airbyte (webapp, server, worker, cron, connector-builder-server) on GKE Autopilot
 * behind a GKE Ingress with Google-managed certificates, Cloud SQL for PostgreSQL as an external database and
 * GCS for logs and state (source: shared/architecture/connectors-gke.md).
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  EnvValue, ExternalSecret, GcpSecretStore, GKE_NODE_DNS_RESOLVERS, GkeIngress, NamespaceBaseline, Peer, PlatformChart, Probe, Workload,
  WORKLOAD_IDENTITY_ANNOTATION, googleServiceAccountEmail, setSyncWave,
} from '../../lib';
import { PlatformDefinition } from '../platform';
import { CONNECTORS_CONFIG, CONNECTORS_ENVIRONMENTS, ConnectorsConfig, ConnectorsEnvironment } from './config';

/** Health paths of the exposed components: the readiness probes and the load balancer check use the same one. */
export const HEALTH_PATHS = {
  webapp: '/index.html',
  server: '/api/v1/health',
  connectorBuilderServer: '/v1/health',
  worker: '/',
  cron: '/health',
} as const;

/** Service names other components (and the architecture document) use. */
export const SERVICE_NAMES = {
  webapp: 'airbyte-webapp-svc',
  server: 'airbyte-server-svc',
  connectorBuilderServer: 'airbyte-connector-builder-server-svc',
} as const;

/** Name of the Secret (and ExternalSecret) with the database credentials. */
export const DATABASE_SECRET_NAME = 'airbyte-db-credentials';

// The Airbyte JVM images run as the `airbyte` user; Kubernetes needs it numeric to verify runAsNonRoot.
const AIRBYTE_UID = 1000;
// nginxinc/nginx-unprivileged, the webapp's base image, runs nginx as uid/gid 101 on port 8080.
const NGINX_UID = 101;
// GKE metadata server: Workload Identity tokens come from here (169.254.169.252:988 on Dataplane V2, which Autopilot uses).
const GKE_METADATA_SERVER = [Peer.ipBlock('169.254.169.254/32'), Peer.ipBlock('169.254.169.252/32')];

export interface ConnectorsChartProps {
  readonly environment: ConnectorsEnvironment;
  /** Settings of the environment. @default - CONNECTORS_CONFIG[environment] */
  readonly config?: ConnectorsConfig;
}

/** The connectors platform in one environment. */
export class ConnectorsChart extends PlatformChart {
  public readonly config: ConnectorsConfig;
  public readonly baseline: NamespaceBaseline;
  public readonly secretStore: GcpSecretStore;
  public readonly databaseSecret: ExternalSecret;
  public readonly webapp: Workload;
  public readonly server: Workload;
  public readonly worker: Workload;
  public readonly cron: Workload;
  public readonly connectorBuilderServer: Workload;
  public readonly ingress: GkeIngress;

  constructor(scope: Construct, id: string, props: ConnectorsChartProps) {
    const config = props.config ?? CONNECTORS_CONFIG[props.environment];
    super(scope, id, { platform: 'connectors', environment: props.environment, namespace: config.namespace });
    this.config = config;
    const c = config;
    const image = (component: string) => `airbyte/${component}:${c.airbyteVersion}`;
    const gsa = (account: string) => ({ [WORKLOAD_IDENTITY_ANNOTATION]: googleServiceAccountEmail(account, c.gcp.projectId) });

    // Autopilot pods resolve through NodeLocal DNSCache / the metadata server, which no pod selector matches.
    this.baseline = new NamespaceBaseline(this, 'Namespace', { name: c.namespace, nodeDnsResolvers: GKE_NODE_DNS_RESOLVERS });
    this.secretStore = new GcpSecretStore(this, 'SecretStore', {
      name: 'gcp-secret-manager',
      projectId: c.gcp.projectId,
      googleServiceAccount: googleServiceAccountEmail(c.googleServiceAccounts.secretStore, c.gcp.projectId),
      clusterName: c.gcp.clusterName,
      clusterLocation: c.gcp.clusterLocation,
    });
    this.databaseSecret = new ExternalSecret(this, 'DatabaseSecret', {
      name: DATABASE_SECRET_NAME,
      store: this.secretStore.ref,
      data: [
        { secretKey: 'DATABASE_USER', remoteKey: c.database.userSecretId },
        { secretKey: 'DATABASE_PASSWORD', remoteKey: c.database.passwordSecretId },
      ],
    });

    const db = c.database;
    const common: Record<string, EnvValue> = {
      AIRBYTE_VERSION: c.airbyteVersion,
      AIRBYTE_EDITION: 'community',
      TRACKING_STRATEGY: 'logging',
      ...(c.temporal.enabled ? { TEMPORAL_HOST: `${c.temporal.endpoint.host}:${c.temporal.endpoint.port}` } : {}),
      ...(c.metrics.enabled ? {
        MICROMETER_METRICS_ENABLED: 'true',
        MICROMETER_METRICS_OTLP_ENABLED: 'true',
        OTEL_COLLECTOR_ENDPOINT: `http://${c.metrics.endpoint.host}:${c.metrics.endpoint.port}`,
      } : {}),
    };
    const database: Record<string, EnvValue> = {
      DATABASE_HOST: db.host,
      DATABASE_PORT: String(db.port),
      DATABASE_DB: db.name,
      DATABASE_URL: `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
      DATABASE_USER: { secretKeyRef: this.databaseSecret.keyRef('DATABASE_USER') },
      DATABASE_PASSWORD: { secretKeyRef: this.databaseSecret.keyRef('DATABASE_PASSWORD') },
    };
    // No GOOGLE_APPLICATION_CREDENTIALS: with Workload Identity the Google client libraries find credentials on the metadata server.
    const storage: Record<string, EnvValue> = {
      STORAGE_TYPE: 'GCS',
      STORAGE_BUCKET_LOG: c.storage.logBucket,
      STORAGE_BUCKET_STATE: c.storage.stateBucket,
      // Airbyte keeps sync outputs and activity payloads beside the state; the document names two buckets.
      STORAGE_BUCKET_WORKLOAD_OUTPUT: c.storage.stateBucket,
      STORAGE_BUCKET_ACTIVITY_PAYLOAD: c.storage.stateBucket,
    };
    const jvmStartup = (path: string, port: string): Probe => ({ http: { path, port }, periodSeconds: 10, failureThreshold: 30 });
    const httpProbe = (path: string, port: string): Probe => ({ http: { path, port }, periodSeconds: 10, timeoutSeconds: 3 });

    this.connectorBuilderServer = new Workload(this, 'ConnectorBuilderServer', {
      name: 'airbyte-connector-builder-server',
      component: 'connector-builder-server',
      image: image('connector-builder-server'),
      ports: [{ name: 'http', port: 8080, servicePort: 80 }],
      service: { name: SERVICE_NAMES.connectorBuilderServer },
      replicas: c.connectorBuilderServer.replicas,
      resources: c.connectorBuilderServer.resources,
      runAsUser: AIRBYTE_UID,
      env: { ...common },
      startup: jvmStartup(HEALTH_PATHS.connectorBuilderServer, 'http'),
      readiness: httpProbe(HEALTH_PATHS.connectorBuilderServer, 'http'),
      liveness: httpProbe(HEALTH_PATHS.connectorBuilderServer, 'http'),
      // The connector builder runs Python CDK code that writes to /tmp.
      writableDirectories: [{ path: '/tmp', sizeLimit: '1Gi' }],
    });

    this.server = new Workload(this, 'Server', {
      name: 'airbyte-server',
      component: 'server',
      image: image('server'),
      ports: [{ name: 'http', port: 8001 }],
      service: { name: SERVICE_NAMES.server },
      autoscaling: { minReplicas: c.server.minReplicas, maxReplicas: c.server.maxReplicas },
      resources: c.server.resources,
      runAsUser: AIRBYTE_UID,
      serviceAccountAnnotations: gsa(c.googleServiceAccounts.server),
      env: {
        ...common,
        ...database,
        ...storage,
        WEBAPP_URL: `https://${c.hosts.webapp}`,
        AIRBYTE_URL: `https://${c.hosts.webapp}`,
        CONNECTOR_BUILDER_SERVER_API_HOST: `http://${SERVICE_NAMES.connectorBuilderServer}:80`,
        WORKSPACE_ROOT: '/workspace',
        CONFIG_ROOT: '/configs',
      },
      startup: jvmStartup(HEALTH_PATHS.server, 'http'),
      readiness: httpProbe(HEALTH_PATHS.server, 'http'),
      liveness: httpProbe(HEALTH_PATHS.server, 'http'),
      writableDirectories: ['/tmp', { path: '/workspace', sizeLimit: '1Gi' }, '/configs'],
    });

    this.webapp = new Workload(this, 'Webapp', {
      name: 'airbyte-webapp',
      component: 'webapp',
      image: image('webapp'),
      // nginx-unprivileged listens on 8080; the Service keeps the document's port 80.
      ports: [{ name: 'http', port: 8080, servicePort: 80 }],
      service: { name: SERVICE_NAMES.webapp },
      autoscaling: { minReplicas: c.webapp.minReplicas, maxReplicas: c.webapp.maxReplicas },
      resources: c.webapp.resources,
      runAsUser: NGINX_UID,
      env: {
        AIRBYTE_VERSION: c.airbyteVersion,
        TRACKING_STRATEGY: 'logging',
        API_URL: '/api/v1/',
        CONNECTOR_BUILDER_API_URL: '/connector-builder-api',
        // Upstreams of the nginx config template (host:port, no scheme).
        AIRBYTE_SERVER_HOST: `${SERVICE_NAMES.server}:8001`,
        CONNECTOR_BUILDER_API_HOST: `${SERVICE_NAMES.connectorBuilderServer}:80`,
        // The community edition has no Keycloak; upstream sets this placeholder so the nginx template stays valid.
        KEYCLOAK_INTERNAL_HOST: 'localhost',
      },
      readiness: httpProbe(HEALTH_PATHS.webapp, 'http'),
      liveness: { tcp: { port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10 },
      // The entrypoint renders /etc/nginx/templates into conf.d; nginx keeps its pid and temp files in /tmp.
      writableDirectories: ['/tmp', { path: '/etc/nginx/conf.d', sizeLimit: '16Mi' }, '/var/cache/nginx'],
    });

    this.worker = new Workload(this, 'Worker', {
      name: 'airbyte-worker',
      component: 'worker',
      image: image('worker'),
      // The heartbeat server only answers probes; nothing calls the worker, so it has no Service.
      ports: [{ name: 'heartbeat', port: 9000, expose: false }],
      replicas: c.worker.replicas,
      resources: c.worker.resources,
      runAsUser: AIRBYTE_UID,
      serviceAccountAnnotations: gsa(c.googleServiceAccounts.worker),
      env: {
        ...common,
        ...database,
        ...storage,
        INTERNAL_API_HOST: `http://${SERVICE_NAMES.server}:8001`,
        WORKER_ENVIRONMENT: 'kubernetes',
        WORKSPACE_ROOT: '/workspace',
        CONFIG_ROOT: '/configs',
      },
      startup: jvmStartup(HEALTH_PATHS.worker, 'heartbeat'),
      readiness: httpProbe(HEALTH_PATHS.worker, 'heartbeat'),
      liveness: httpProbe(HEALTH_PATHS.worker, 'heartbeat'),
      writableDirectories: ['/tmp', { path: '/workspace', sizeLimit: '2Gi' }, '/configs'],
    });

    this.cron = new Workload(this, 'Cron', {
      name: 'airbyte-cron',
      component: 'cron',
      image: image('cron'),
      // Micronaut's management server (health endpoint) on 9001; probes only.
      ports: [{ name: 'http', port: 9001, expose: false }],
      replicas: c.cron.replicas,
      resources: c.cron.resources,
      runAsUser: AIRBYTE_UID,
      env: {
        ...common,
        ...database,
        INTERNAL_API_HOST: `http://${SERVICE_NAMES.server}:8001`,
        WORKSPACE_ROOT: '/workspace',
      },
      startup: jvmStartup(HEALTH_PATHS.cron, 'http'),
      readiness: httpProbe(HEALTH_PATHS.cron, 'http'),
      liveness: httpProbe(HEALTH_PATHS.cron, 'http'),
      writableDirectories: ['/tmp', '/workspace'],
    });

    // Traffic inside the platform.
    this.webapp.connectTo(this.server);
    this.server.connectTo(this.connectorBuilderServer);
    this.worker.connectTo(this.server);
    this.cron.connectTo(this.server);
    // Cloud SQL on its private IP.
    for (const w of [this.server, this.worker, this.cron]) {
      w.allowTo(Peer.ipBlock(db.cidr), [{ port: db.port }]);
    }
    // GCS through Workload Identity: tokens from the metadata server, then HTTPS to the Google APIs.
    for (const w of [this.server, this.worker]) {
      w.allowTo(GKE_METADATA_SERVER[0], [{ port: 80 }]);
      w.allowTo(GKE_METADATA_SERVER[1], [{ port: 988 }]);
      w.allowTo(Peer.internet(), [{ port: 443 }]);
    }
    for (const addOn of [c.temporal, c.metrics]) {
      if (!addOn.enabled) continue;
      for (const w of [this.server, this.worker, this.cron]) w.allowTo(Peer.ipBlock(addOn.endpoint.cidr), [{ port: addOn.endpoint.port }]);
    }

    this.ingress = new GkeIngress(this, 'Ingress', {
      name: 'airbyte',
      staticIpName: c.staticIpName,
      hosts: [
        { host: c.hosts.webapp, paths: [{ backend: this.webapp, healthCheck: { path: HEALTH_PATHS.webapp } }] },
        { host: c.hosts.api, paths: [{ backend: this.server, healthCheck: { path: HEALTH_PATHS.server } }] },
      ],
    });

    // Argo CD order: namespace and store, then the secret they produce, then the apps, then the load balancer.
    setSyncWave(this.baseline, -2);
    setSyncWave(this.secretStore, -2);
    setSyncWave(this.databaseSecret, -1);
    setSyncWave(this.ingress, 1);
    for (const w of [this.connectorBuilderServer, this.server, this.webapp, this.worker, this.cron]) setSyncWave(w, 0);
  }
}

export const connectors: PlatformDefinition<ConnectorsEnvironment> = {
  name: 'connectors',
  environments: CONNECTORS_ENVIRONMENTS,
  build: (app: App, environment: ConnectorsEnvironment) => new ConnectorsChart(app, `connectors-${environment}`, { environment }),
};
