/**
 * The connectors platform: Airbyte 1.6.0 (bootloader, server, webapp, worker, cron, connector-builder-server,
 * workload-api-server, workload-launcher and Temporal) on GKE Autopilot behind a GKE Ingress with Google-managed
 * certificates, Cloud SQL for PostgreSQL as an external database and GCS for logs and state
 * (source: docs/architecture/connectors-gke.md; where it disagrees with the upstream contract, see config.ts).
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { k8s } from '../../lib/core/k8s-api';
import { Construct } from 'constructs';
import {
  EnvValue, ExistingSecret, ExternalSecret, GcpSecretStore, GKE_NODE_DNS_RESOLVERS, GkeIngress, INetworkPeer, NamespaceBaseline, Peer,
  PlatformChart, Probe, Workload, exemptionAnnotationKey, WORKLOAD_IDENTITY_ANNOTATION, WorkloadNetworkPolicy, check, googleServiceAccountEmail, parseQuantity,
  setSyncWave,
} from '../../lib';
import { PlatformDefinition } from '../platform';
import { AIRBYTE_CONTRACT, AirbyteComponent, contractOf, contractProblems, RenderedService } from './airbyte-contract';
import { AirbyteBootloader } from './bootloader';
import { CONNECTORS_CONFIG, CONNECTORS_ENVIRONMENTS, ConnectorsConfig, ConnectorsEnvironment } from './config';

/** Health paths of the components (from the contract table): readiness probes and load balancer checks use the same one. */
export const HEALTH_PATHS = {
  webapp: AIRBYTE_CONTRACT.webapp.healthPath!,
  server: AIRBYTE_CONTRACT.server.healthPath!,
  connectorBuilderServer: AIRBYTE_CONTRACT['connector-builder-server'].healthPath!,
  worker: AIRBYTE_CONTRACT.worker.healthPath!,
  cron: AIRBYTE_CONTRACT.cron.healthPath!,
  workloadApiServer: AIRBYTE_CONTRACT['workload-api-server'].healthPath!,
  workloadLauncher: AIRBYTE_CONTRACT['workload-launcher'].healthPath!,
} as const;

/** Service names other components (and the architecture document) use. */
export const SERVICE_NAMES = {
  webapp: AIRBYTE_CONTRACT.webapp.service!.name,
  server: AIRBYTE_CONTRACT.server.service!.name,
  connectorBuilderServer: AIRBYTE_CONTRACT['connector-builder-server'].service!.name,
  workloadApiServer: AIRBYTE_CONTRACT['workload-api-server'].service!.name,
  temporal: AIRBYTE_CONTRACT.temporal.service!.name,
} as const;

/** Name of the Secret (and ExternalSecret) with the database credentials. */
export const DATABASE_SECRET_NAME = 'airbyte-db-credentials';
/** ExternalSecret with the instance admin and JWT secrets (from Secret Manager), read by the server and the bootloader. */
export const AUTH_INPUT_SECRET_NAME = 'airbyte-auth-inputs';
/**
 * Secret the bootloader creates and owns (AB_KUBERNETES_SECRET_NAME, default `airbyte-auth-secrets`): it copies the
 * provided auth values into it and adds the dataplane credentials the launcher logs in with. A different name from
 * the ExternalSecret, whose operator would otherwise overwrite the bootloader's keys on every refresh.
 */
export const AUTH_SECRET_NAME = 'airbyte-auth-secrets';
/** ExternalSecret with the workload API bearer token. */
export const WORKLOAD_API_SECRET_NAME = 'airbyte-workload-api';
/** ExternalSecret with the GCS key file (`gcp.json`, the key name upstream uses: charts/airbyte/templates/_storage.tpl). */
export const GCS_SECRET_NAME = 'airbyte-gcs-log-creds';
/** Where the key file is mounted; upstream's default path (charts/airbyte/templates/_helpers.tpl `airbyte.gcpLogCredentialsPath`). */
export const GCS_MOUNT_PATH = '/secrets/gcs-log-creds';
/** ServiceAccount of the job pods the launcher creates (JOB_KUBE_SERVICEACCOUNT). */
export const JOB_SERVICE_ACCOUNT = 'airbyte-job';
/** Labels the launcher puts on every job pod (airbyte-commons-worker/.../pod/Metadata.kt at v1.6.0: `airbyte=job-pod`). */
export const JOB_POD_LABELS = { airbyte: 'job-pod' } as const;
/** ConfigMap with the variables that name Secrets, keys and endpoints (see SECRET_REFERENCE_VARS). */
export const REFERENCE_CONFIGMAP_NAME = 'airbyte-env';
/** Variables whose values name a Secret, a Secret key, a flag or an endpoint, not a secret. */
const SECRET_REFERENCE_VARS = new Set([
  'AB_KUBERNETES_SECRET_NAME', 'CONTAINER_ORCHESTRATOR_SECRET_NAME', 'CONTROL_PLANE_TOKEN_ENDPOINT',
  'DATAPLANE_CLIENT_ID_SECRET_KEY', 'DATAPLANE_CLIENT_ID_SECRET_NAME', 'DATAPLANE_CLIENT_SECRET_SECRET_KEY', 'DATAPLANE_CLIENT_SECRET_SECRET_NAME',
  'WORKLOAD_API_BEARER_TOKEN_SECRET_KEY', 'WORKLOAD_API_BEARER_TOKEN_SECRET_NAME',
]);
/** Upstream's minimum migration versions (charts/airbyte/templates/env-configmap.yaml at v1.6.0); no default in application.yml. */
const CONFIGS_MIN_MIGRATION = '0.35.15.001';
const JOBS_MIN_MIGRATION = '0.29.15.001';

// The Airbyte JVM images run as the `airbyte` user; Kubernetes needs it numeric to verify runAsNonRoot.
const AIRBYTE_UID = 1000;
// nginxinc/nginx-unprivileged, the webapp's base image, runs nginx as uid/gid 101 on port 8080.
const NGINX_UID = 101;
// temporalio/auto-setup runs as the `temporal` user, uid 1000.
const TEMPORAL_UID = 1000;
// GKE metadata server: Workload Identity tokens come from here (169.254.169.252:988 on Dataplane V2, which Autopilot uses).
const GKE_METADATA_SERVER = [Peer.ipBlock('169.254.169.254/32'), Peer.ipBlock('169.254.169.252/32')];
// Temporal's internal gRPC and membership ports: the services of the one process dial each other on the pod IP.
const TEMPORAL_INTERNAL_PORTS = [
  { name: 'history', port: 7234 }, { name: 'matching', port: 7235 }, { name: 'worker', port: 7239 },
  { name: 'member-front', port: 6933 }, { name: 'member-history', port: 6934 }, { name: 'member-match', port: 6935 }, { name: 'member-worker', port: 6939 },
] as const;
// Ephemeral storage a container needs beyond its emptyDirs: its logs (the root filesystem is read-only).
const CONTAINER_LOG_ALLOWANCE = 64 * 1024 * 1024;

/** The dynamic config upstream mounts into Temporal (charts/airbyte-temporal/templates/configmap.yaml at v1.6.0). */
const TEMPORAL_DYNAMIC_CONFIG = `frontend.namespaceCount:
  - value: 4096
    constraints: {}
frontend.namespaceRPS.visibility:
  - value: 100
    constraints: {}
frontend.namespaceBurst.visibility:
  - value: 150
    constraints: {}
frontend.namespaceRPS:
  - value: 76800
    constraints: {}
frontend.enableClientVersionCheck:
  - value: true
    constraints: {}
history.persistenceMaxQPS:
  - value: 3000
    constraints: {}
frontend.persistenceMaxQPS:
  - value: 5000
    constraints: {}
frontend.historyMgrNumConns:
  - value: 30
    constraints: {}
frontend.throttledLogRPS:
  - value: 200
    constraints: {}
frontend.enableUpdateWorkflowExecution:
  - value: true
frontend.enableUpdateWorkflowExecutionAsyncAccepted:
  - value: true
history.historyMgrNumConns:
  - value: 50
    constraints: {}
system.advancedVisibilityWritingMode:
  - value: "off"
    constraints: {}
history.defaultActivityRetryPolicy:
  - value:
      InitialIntervalInSeconds: 1
      MaximumIntervalCoefficient: 100.0
      BackoffCoefficient: 2.0
      MaximumAttempts: 0
history.defaultWorkflowRetryPolicy:
  - value:
      InitialIntervalInSeconds: 1
      MaximumIntervalCoefficient: 100.0
      BackoffCoefficient: 2.0
      MaximumAttempts: 0
limit.blobSize.error:
  - value: 15728640
    constraints: {}
limit.blobSize.warn:
  - value: 10485760
    constraints: {}
`;

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
  public readonly authInputSecret: ExternalSecret;
  public readonly workloadApiSecret: ExternalSecret;
  public readonly gcsSecret: ExternalSecret;
  public readonly bootloader: AirbyteBootloader;
  public readonly temporal: Workload;
  public readonly webapp: Workload;
  public readonly server: Workload;
  public readonly worker: Workload;
  public readonly cron: Workload;
  public readonly connectorBuilderServer: Workload;
  public readonly workloadApiServer: Workload;
  public readonly workloadLauncher: Workload;
  /** Egress of the job pods the launcher creates (selected by `airbyte=job-pod`). */
  public readonly jobPodPolicy: WorkloadNetworkPolicy;
  public readonly ingress: GkeIngress;
  /** Env of each component as rendered, for the contract check. */
  public readonly componentEnv: Partial<Record<AirbyteComponent, Record<string, EnvValue>>> = {};

  constructor(scope: Construct, id: string, props: ConnectorsChartProps) {
    const config = props.config ?? CONNECTORS_CONFIG[props.environment];
    super(scope, id, { platform: 'connectors', environment: props.environment, namespace: config.namespace });
    this.config = config;
    const c = config;
    const ns = c.namespace;
    const airbyteImage = (component: AirbyteComponent) => `${contractOf(this, 'component', component).image}:${c.airbyteVersion}`;
    const gsa = (account: string) => ({ [WORKLOAD_IDENTITY_ANNOTATION]: googleServiceAccountEmail(account, c.gcp.projectId) });

    // Bad input first, with the config path and the fix.
    check(this, c.storage.type === 'GCS', 'config.storage.type', c.storage.type, 'only GCS is wired in this chart (key file from Secret Manager)');
    check(this, typeof c.storage.credentialsSecretId === 'string' && c.storage.credentialsSecretId.trim().length > 0,
      'config.storage.credentialsSecretId', c.storage.credentialsSecretId,
      'GCS storage needs the Secret Manager id of a service-account key: Airbyte reads GOOGLE_APPLICATION_CREDENTIALS and fails without it');
    for (const [key, value] of Object.entries(c.secretIds)) {
      check(this, typeof value === 'string' && value.trim().length > 0, `config.secretIds.${key}`, value, 'must name a Secret Manager secret id');
    }
    for (const component of Object.keys(c.extraEnv ?? {})) contractOf(this, 'config.extraEnv', component);

    // Autopilot pods resolve through NodeLocal DNSCache / the metadata server, which no pod selector matches.
    this.baseline = new NamespaceBaseline(this, 'Namespace', { name: ns, nodeDnsResolvers: GKE_NODE_DNS_RESOLVERS });
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
    // Key names are upstream's defaults (AB_*_SECRET_KEY in airbyte-bootloader application.yml at v1.6.0).
    this.authInputSecret = new ExternalSecret(this, 'AuthSecret', {
      name: AUTH_INPUT_SECRET_NAME,
      store: this.secretStore.ref,
      data: [
        { secretKey: 'instance-admin-password', remoteKey: c.secretIds.instanceAdminPassword },
        { secretKey: 'instance-admin-client-id', remoteKey: c.secretIds.instanceAdminClientId },
        { secretKey: 'instance-admin-client-secret', remoteKey: c.secretIds.instanceAdminClientSecret },
        { secretKey: 'jwt-signature-secret', remoteKey: c.secretIds.jwtSignatureSecret },
      ],
    });
    this.workloadApiSecret = new ExternalSecret(this, 'WorkloadApiSecret', {
      name: WORKLOAD_API_SECRET_NAME,
      store: this.secretStore.ref,
      data: [{ secretKey: 'WORKLOAD_API_BEARER_TOKEN', remoteKey: c.secretIds.workloadApiBearerToken }],
    });
    this.gcsSecret = new ExternalSecret(this, 'GcsSecret', {
      name: GCS_SECRET_NAME,
      store: this.secretStore.ref,
      data: [{ secretKey: 'gcp.json', remoteKey: c.storage.credentialsSecretId }],
    });
    const bootloaderSecret = new ExistingSecret(this, 'BootloaderAuthSecret', {
      name: AUTH_SECRET_NAME,
      keys: ['dataplane-client-id', 'dataplane-client-secret'],
      managedBy: 'the Airbyte bootloader Job (DataplaneInitializer, airbyte-platform v1.6.0) creates it on its first run',
    });
    const secret = (s: ExternalSecret | ExistingSecret, key: string): EnvValue => ({ secretKeyRef: s.keyRef(key) });

    const db = c.database;
    const svc = (component: AirbyteComponent) => AIRBYTE_CONTRACT[component].service!;
    const url = (component: AirbyteComponent, path = '') => `http://${svc(component).name}:${svc(component).port}${path}`;
    const hostPort = (component: AirbyteComponent) => `${svc(component).name}:${svc(component).port}`;
    const common: Record<string, EnvValue> = {
      AIRBYTE_VERSION: c.airbyteVersion,
      AIRBYTE_EDITION: 'community',
      TRACKING_STRATEGY: 'logging',
      ...(c.metrics.enabled ? {
        MICROMETER_METRICS_ENABLED: 'true',
        MICROMETER_METRICS_OTLP_ENABLED: 'true',
        OTEL_COLLECTOR_ENDPOINT: `http://${c.metrics.endpoint.host}:${c.metrics.endpoint.port}`,
      } : {}),
    };
    const temporal: Record<string, EnvValue> = { TEMPORAL_HOST: hostPort('temporal') };
    const database: Record<string, EnvValue> = {
      DATABASE_HOST: db.host,
      DATABASE_PORT: String(db.port),
      DATABASE_DB: db.name,
      DATABASE_URL: `jdbc:postgresql://${db.host}:${db.port}/${db.name}`,
      DATABASE_USER: secret(this.databaseSecret, 'DATABASE_USER'),
      DATABASE_PASSWORD: secret(this.databaseSecret, 'DATABASE_PASSWORD'),
    };
    const migrations: Record<string, EnvValue> = {
      CONFIGS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION: CONFIGS_MIN_MIGRATION,
      JOBS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION: JOBS_MIN_MIGRATION,
    };
    // The key file is mounted from the ExternalSecret; the variable names it (Workload Identity stays for everything else).
    const storage: Record<string, EnvValue> = {
      STORAGE_TYPE: c.storage.type,
      STORAGE_BUCKET_LOG: c.storage.logBucket,
      STORAGE_BUCKET_STATE: c.storage.stateBucket,
      // Airbyte keeps sync outputs and activity payloads beside the state; the document names two buckets.
      STORAGE_BUCKET_WORKLOAD_OUTPUT: c.storage.stateBucket,
      STORAGE_BUCKET_ACTIVITY_PAYLOAD: c.storage.stateBucket,
      GOOGLE_APPLICATION_CREDENTIALS: `${GCS_MOUNT_PATH}/gcp.json`,
    };
    const gcsKeyFile = [{ secretName: GCS_SECRET_NAME, mountPath: GCS_MOUNT_PATH }];
    const workloadApi: Record<string, EnvValue> = {
      WORKLOAD_API_HOST: url('workload-api-server'),
      WORKLOAD_API_BEARER_TOKEN: secret(this.workloadApiSecret, 'WORKLOAD_API_BEARER_TOKEN'),
    };
    // Upstream's internal-caller header (charts/airbyte-worker and airbyte-workload-launcher deployment.yaml at v1.6.0).
    const internalAuth = (who: string): Record<string, EnvValue> => ({ AIRBYTE_API_AUTH_HEADER_NAME: 'X-Airbyte-Auth', AIRBYTE_API_AUTH_HEADER_VALUE: `Internal ${who}` });
    // Variables that name a Secret, a key or an endpoint but whose names read like secrets to the gate's heuristic
    // come from a ConfigMap, as upstream does with its `airbyte-env` ConfigMap; a real secret never reaches this path.
    const referenceData = new Map<string, string>();
    const envFor = (component: AirbyteComponent, env: Record<string, EnvValue>): Record<string, EnvValue> => {
      const merged = { ...env, ...(c.extraEnv?.[component] ?? {}) };
      this.componentEnv[component] = merged;
      const rendered: Record<string, EnvValue> = {};
      for (const [name, value] of Object.entries(merged)) {
        if (typeof value === 'string' && SECRET_REFERENCE_VARS.has(name)) {
          check(this, (referenceData.get(name) ?? value) === value, `env of ${component}.${name}`, value, `every component must agree on ${name} (${referenceData.get(name)})`);
          referenceData.set(name, value);
          rendered[name] = { configMapKeyRef: { name: REFERENCE_CONFIGMAP_NAME, key: name } };
        } else {
          rendered[name] = value;
        }
      }
      return rendered;
    };
    const jvmStartup = (path: string, port: string): Probe => ({ http: { path, port }, periodSeconds: 10, failureThreshold: 30 });
    const httpProbe = (path: string, port: string): Probe => ({ http: { path, port }, periodSeconds: 10, timeoutSeconds: 3 });

    // Upstream's airbyte-temporal chart (v1.6.0), rendered with the generic Workload rather than lib/services/temporal.ts:
    // that construct always adds a Web UI (unauthenticated here; upstream leaves temporal-ui off), pins its own
    // server version and defaults (shard count, search attributes) that other platforms tune and that must never
    // change under an existing Airbyte history, and has no TLS settings for Cloud SQL. Same image, env, dynamic
    // config and port as upstream; the auto-setup image creates the `temporal` and `temporal_visibility`
    // databases on the Cloud SQL instance (the Airbyte login needs CREATEDB, as upstream assumes).
    const temporalConfigDir = '/etc/temporal/config';
    this.temporal = new Workload(this, 'Temporal', {
      name: 'airbyte-temporal',
      component: 'temporal',
      image: c.temporal.image,
      ports: [{ name: 'grpc', port: 7233 }, ...TEMPORAL_INTERNAL_PORTS.map((p) => ({ ...p, expose: false }))],
      service: { name: SERVICE_NAMES.temporal },
      replicas: 1,
      resources: c.temporal.resources,
      runAsUser: TEMPORAL_UID,
      env: envFor('temporal', {
        AUTO_SETUP: 'true',
        DB: 'postgres12',
        DYNAMIC_CONFIG_FILE_PATH: 'config/dynamicconfig/development.yaml',
        POSTGRES_SEEDS: db.host,
        DB_PORT: String(db.port),
        POSTGRES_USER: secret(this.databaseSecret, 'DATABASE_USER'),
        POSTGRES_PWD: secret(this.databaseSecret, 'DATABASE_PASSWORD'),
        // "Assume an external database requires SSL" (charts/airbyte-temporal/templates/deployment.yaml at v1.6.0).
        POSTGRES_TLS_ENABLED: 'true',
        POSTGRES_TLS_DISABLE_HOST_VERIFICATION: 'true',
        SQL_TLS_ENABLED: 'true',
        SQL_TLS_DISABLE_HOST_VERIFICATION: 'true',
      }),
      // auto-setup migrates the schemas before it listens; allow it five minutes.
      startup: { tcp: { port: 'grpc' }, periodSeconds: 10, failureThreshold: 30 },
      readiness: { tcp: { port: 'grpc' }, periodSeconds: 10 },
      liveness: { tcp: { port: 'grpc' }, periodSeconds: 20 },
      configFiles: [{ name: 'dynamicconfig', mountPath: `${temporalConfigDir}/dynamicconfig`, files: { 'development.yaml': TEMPORAL_DYNAMIC_CONFIG } }],
      // The entrypoint renders its config template into the config directory: an emptyDir seeded from the image.
      volumes: [{ name: 'temporal-config', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
      volumeMounts: [{ name: 'temporal-config', mountPath: temporalConfigDir }],
      initContainers: [{
        name: 'seed-config',
        image: c.temporal.image,
        command: ['/bin/sh', '-c', `cp -R ${temporalConfigDir}/. /seed/config/`],
        resources: { cpuRequest: '50m', memoryRequest: '52Mi', memoryLimit: '52Mi' },
        volumeMounts: [{ name: 'temporal-config', mountPath: '/seed/config' }],
      }],
      writableDirectories: ['/tmp', '/home/temporal'],
    });
    this.temporal.connectTo(this.temporal, TEMPORAL_INTERNAL_PORTS.map((p) => p.name));

    this.connectorBuilderServer = new Workload(this, 'ConnectorBuilderServer', {
      name: 'airbyte-connector-builder-server',
      component: 'connector-builder-server',
      image: airbyteImage('connector-builder-server'),
      ports: [{ name: 'http', port: 8080, servicePort: svc('connector-builder-server').port }],
      service: { name: SERVICE_NAMES.connectorBuilderServer },
      replicas: c.connectorBuilderServer.replicas,
      resources: c.connectorBuilderServer.resources,
      runAsUser: AIRBYTE_UID,
      env: envFor('connector-builder-server', { ...common, INTERNAL_API_HOST: url('server'), WORKSPACE_ROOT: '/workspace' }),
      startup: jvmStartup(HEALTH_PATHS.connectorBuilderServer, 'http'),
      readiness: httpProbe(HEALTH_PATHS.connectorBuilderServer, 'http'),
      liveness: httpProbe(HEALTH_PATHS.connectorBuilderServer, 'http'),
      // The connector builder runs Python CDK code that writes to /tmp.
      writableDirectories: [{ path: '/tmp', sizeLimit: '1Gi' }, '/workspace'],
    });

    this.server = new Workload(this, 'Server', {
      name: 'airbyte-server',
      component: 'server',
      image: airbyteImage('server'),
      ports: [{ name: 'http', port: svc('server').port }],
      service: { name: SERVICE_NAMES.server },
      autoscaling: { minReplicas: c.server.minReplicas, maxReplicas: c.server.maxReplicas },
      resources: c.server.resources,
      runAsUser: AIRBYTE_UID,
      serviceAccountAnnotations: gsa(c.googleServiceAccounts.server),
      env: envFor('server', {
        ...common,
        ...database,
        ...migrations,
        ...storage,
        ...temporal,
        ...internalAuth('server'),
        MICRONAUT_ENVIRONMENTS: 'control-plane',
        WEBAPP_URL: `https://${c.hosts.webapp}`,
        AIRBYTE_URL: `https://${c.hosts.webapp}`,
        // Community edition: the public API is served by the server itself (env-configmap.yaml at v1.6.0).
        AIRBYTE_API_HOST: `http://localhost:${svc('server').port}/api/public`,
        CONNECTOR_BUILDER_SERVER_API_HOST: url('connector-builder-server'),
        ENTERPRISE_SOURCE_STUBS_URL: 'https://connectors.airbyte.com/files/resources/connector_stubs/v1/connector_stubs.json',
        WORKER_ENVIRONMENT: 'kubernetes',
        WORKSPACE_ROOT: '/workspace',
        CONFIG_ROOT: '/configs',
        // Login on: the instance admin from Secret Manager. Cookies stay Secure and SameSite=Strict (the defaults of
        // AB_COOKIE_SECURE / AB_COOKIE_SAME_SITE in airbyte-server application-edition-community.yml at v1.6.0).
        API_AUTHORIZATION_ENABLED: 'true',
        AB_INSTANCE_ADMIN_PASSWORD: secret(this.authInputSecret, 'instance-admin-password'),
        AB_INSTANCE_ADMIN_CLIENT_ID: secret(this.authInputSecret, 'instance-admin-client-id'),
        AB_INSTANCE_ADMIN_CLIENT_SECRET: secret(this.authInputSecret, 'instance-admin-client-secret'),
        AB_JWT_SIGNATURE_SECRET: secret(this.authInputSecret, 'jwt-signature-secret'),
      }),
      secretFiles: gcsKeyFile,
      startup: jvmStartup(HEALTH_PATHS.server, 'http'),
      readiness: httpProbe(HEALTH_PATHS.server, 'http'),
      liveness: httpProbe(HEALTH_PATHS.server, 'http'),
      writableDirectories: ['/tmp', { path: '/workspace', sizeLimit: '1Gi' }, '/configs'],
    });

    this.webapp = new Workload(this, 'Webapp', {
      name: 'airbyte-webapp',
      component: 'webapp',
      image: airbyteImage('webapp'),
      // nginx-unprivileged listens on 8080; the Service keeps the document's port 80.
      ports: [{ name: 'http', port: 8080, servicePort: svc('webapp').port }],
      service: { name: SERVICE_NAMES.webapp },
      autoscaling: { minReplicas: c.webapp.minReplicas, maxReplicas: c.webapp.maxReplicas },
      resources: c.webapp.resources,
      runAsUser: NGINX_UID,
      env: envFor('webapp', {
        AIRBYTE_VERSION: c.airbyteVersion,
        TRACKING_STRATEGY: 'logging',
        API_URL: '/api/v1/',
        CONNECTOR_BUILDER_API_URL: '/connector-builder-api',
        // Upstreams of the nginx config template (host:port, no scheme).
        AIRBYTE_SERVER_HOST: hostPort('server'),
        CONNECTOR_BUILDER_API_HOST: hostPort('connector-builder-server'),
        // The community edition has no Keycloak; upstream sets this placeholder so the nginx template stays valid.
        KEYCLOAK_INTERNAL_HOST: 'localhost',
      }),
      readiness: httpProbe(HEALTH_PATHS.webapp, 'http'),
      liveness: { tcp: { port: 'http' }, initialDelaySeconds: 10, periodSeconds: 10 },
      // The entrypoint renders /etc/nginx/templates into conf.d; nginx keeps its pid and temp files in /tmp.
      writableDirectories: ['/tmp', { path: '/etc/nginx/conf.d', sizeLimit: '16Mi' }, '/var/cache/nginx'],
    });

    this.workloadApiServer = new Workload(this, 'WorkloadApiServer', {
      name: 'airbyte-workload-api-server',
      component: 'workload-api-server',
      image: airbyteImage('workload-api-server'),
      ports: [{ name: 'http', port: svc('workload-api-server').port }],
      service: { name: SERVICE_NAMES.workloadApiServer },
      replicas: c.workloadApiServer.replicas,
      resources: c.workloadApiServer.resources,
      runAsUser: AIRBYTE_UID,
      env: envFor('workload-api-server', {
        ...common,
        ...database,
        ...temporal,
        MICRONAUT_ENVIRONMENTS: 'control-plane',
        INTERNAL_API_HOST: url('server'),
        WORKLOAD_API_BEARER_TOKEN: secret(this.workloadApiSecret, 'WORKLOAD_API_BEARER_TOKEN'),
      }),
      startup: jvmStartup(HEALTH_PATHS.workloadApiServer, 'http'),
      readiness: httpProbe(HEALTH_PATHS.workloadApiServer, 'http'),
      liveness: httpProbe(HEALTH_PATHS.workloadApiServer, 'http'),
      writableDirectories: ['/tmp'],
    });

    this.worker = new Workload(this, 'Worker', {
      name: 'airbyte-worker',
      component: 'worker',
      image: airbyteImage('worker'),
      // The heartbeat server only answers probes; nothing calls the worker, so it has no Service.
      ports: [{ name: 'heartbeat', port: 9000, expose: false }],
      replicas: c.worker.replicas,
      resources: c.worker.resources,
      runAsUser: AIRBYTE_UID,
      serviceAccountAnnotations: gsa(c.googleServiceAccounts.worker),
      env: envFor('worker', {
        ...common,
        ...database,
        ...migrations,
        ...storage,
        ...temporal,
        ...workloadApi,
        ...internalAuth('worker'),
        MICRONAUT_ENVIRONMENTS: 'control-plane',
        INTERNAL_API_HOST: url('server'),
        WEBAPP_URL: `https://${c.hosts.webapp}`,
        WORKER_ENVIRONMENT: 'kubernetes',
        WORKSPACE_ROOT: '/workspace',
        CONFIG_ROOT: '/configs',
      }),
      secretFiles: gcsKeyFile,
      startup: jvmStartup(HEALTH_PATHS.worker, 'heartbeat'),
      readiness: httpProbe(HEALTH_PATHS.worker, 'heartbeat'),
      liveness: httpProbe(HEALTH_PATHS.worker, 'heartbeat'),
      writableDirectories: ['/tmp', { path: '/workspace', sizeLimit: '2Gi' }, '/configs'],
    });

    this.cron = new Workload(this, 'Cron', {
      name: 'airbyte-cron',
      component: 'cron',
      image: airbyteImage('cron'),
      // Micronaut's management server (health endpoint) on 9001; probes only.
      ports: [{ name: 'http', port: 9001, expose: false }],
      replicas: c.cron.replicas,
      resources: c.cron.resources,
      runAsUser: AIRBYTE_UID,
      env: envFor('cron', {
        ...common,
        ...database,
        ...migrations,
        ...temporal,
        ...workloadApi,
        MICRONAUT_ENVIRONMENTS: 'control-plane',
        INTERNAL_API_HOST: url('server'),
        WORKSPACE_ROOT: '/workspace',
      }),
      startup: jvmStartup(HEALTH_PATHS.cron, 'http'),
      readiness: httpProbe(HEALTH_PATHS.cron, 'http'),
      liveness: httpProbe(HEALTH_PATHS.cron, 'http'),
      writableDirectories: ['/tmp', '/workspace'],
    });

    this.workloadLauncher = new Workload(this, 'WorkloadLauncher', {
      name: 'airbyte-workload-launcher',
      component: 'workload-launcher',
      image: airbyteImage('workload-launcher'),
      // Heartbeat/management server; probes only.
      ports: [{ name: 'http', port: 8016, expose: false }],
      replicas: c.workloadLauncher.replicas,
      resources: c.workloadLauncher.resources,
      runAsUser: AIRBYTE_UID,
      env: envFor('workload-launcher', {
        ...common,
        ...database,
        ...migrations,
        ...storage,
        ...temporal,
        ...workloadApi,
        ...internalAuth('worker'),
        // charts/airbyte-workload-launcher/templates/deployment.yaml and env-configmap.yaml at v1.6.0.
        MICRONAUT_ENVIRONMENTS: 'control-plane,oss',
        INTERNAL_API_HOST: url('server'),
        WEBAPP_URL: `https://${c.hosts.webapp}`,
        WORKSPACE_ROOT: '/workspace',
        CONFIG_ROOT: '/configs',
        DATA_PLANE_ID: 'local',
        CONTROL_PLANE_TOKEN_ENDPOINT: url('server', '/api/v1/dataplanes/token'),
        DATAPLANE_CLIENT_ID: secret(bootloaderSecret, 'dataplane-client-id'),
        DATAPLANE_CLIENT_ID_SECRET_NAME: AUTH_SECRET_NAME,
        DATAPLANE_CLIENT_ID_SECRET_KEY: 'dataplane-client-id',
        DATAPLANE_CLIENT_SECRET: secret(bootloaderSecret, 'dataplane-client-secret'),
        DATAPLANE_CLIENT_SECRET_SECRET_NAME: AUTH_SECRET_NAME,
        DATAPLANE_CLIENT_SECRET_SECRET_KEY: 'dataplane-client-secret',
        // Job pods read the token from the Secret by name (the launcher passes a secretKeyRef, not the value).
        WORKLOAD_API_BEARER_TOKEN_SECRET_NAME: WORKLOAD_API_SECRET_NAME,
        WORKLOAD_API_BEARER_TOKEN_SECRET_KEY: 'WORKLOAD_API_BEARER_TOKEN',
        JOB_KUBE_NAMESPACE: ns,
        JOB_KUBE_SERVICEACCOUNT: JOB_SERVICE_ACCOUNT,
        // Job pods get a non-root securityContext (runAsNonRoot, drop ALL, no escalation, seccomp RuntimeDefault) only
        // with this on (airbyte-commons-worker/.../context/WorkloadSecurityContextProvider.kt at v1.6.0), which Pod
        // Security "restricted" on this namespace requires.
        ROOTLESS_WORKLOAD: 'true',
        CONTAINER_ORCHESTRATOR_IMAGE: `airbyte/container-orchestrator:${c.airbyteVersion}`,
        WORKLOAD_INIT_IMAGE: `airbyte/workload-init-container:${c.airbyteVersion}`,
        CONNECTOR_SIDECAR_IMAGE: `airbyte/connector-sidecar:${c.airbyteVersion}`,
        CONNECTOR_PROFILER_IMAGE: `airbyte/async-profiler:${c.airbyteVersion}`,
        // The launcher mounts this Secret into job pods and passes GOOGLE_APPLICATION_CREDENTIALS on (OrchestratorEnvVarFactory).
        CONTAINER_ORCHESTRATOR_SECRET_NAME: GCS_SECRET_NAME,
        CONTAINER_ORCHESTRATOR_SECRET_MOUNT_PATH: GCS_MOUNT_PATH,
        PUB_SUB_ENABLED: 'false',
        WORKLOAD_LAUNCHER_PARALLELISM: '10',
      }),
      secretFiles: gcsKeyFile,
      startup: jvmStartup(HEALTH_PATHS.workloadLauncher, 'http'),
      readiness: httpProbe(HEALTH_PATHS.workloadLauncher, 'http'),
      liveness: httpProbe('/health/liveness', 'http'),
      writableDirectories: ['/tmp', '/workspace', '/configs'],
      exemptions: { 'practice/service-account-token': 'the launcher creates, watches and deletes job pods through the Kubernetes API' },
    });
    // The launcher calls the Kubernetes API with its ServiceAccount token.
    this.workloadLauncher.resource.addJsonPatch(JsonPatch.replace('/spec/template/spec/automountServiceAccountToken', true));
    // What upstream grants its `airbyte-admin` account (charts/airbyte/templates/serviceaccount.yaml at v1.6.0),
    // with the API groups spelled out instead of "*".
    new k8s.KubeRole(this, 'LauncherRole', {
      metadata: { name: 'airbyte-workload-launcher', namespace: ns },
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log', 'pods/exec', 'pods/attach', 'secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'LauncherRoleBinding', {
      metadata: { name: 'airbyte-workload-launcher', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'airbyte-workload-launcher' },
      subjects: [{ kind: 'ServiceAccount', name: 'airbyte-workload-launcher', namespace: ns }],
    });
    // Job pods run under their own account without API access (they talk to the workload API over HTTP).
    new k8s.KubeServiceAccount(this, 'JobServiceAccount', {
      metadata: { name: JOB_SERVICE_ACCOUNT, namespace: ns },
      automountServiceAccountToken: false,
    });

    this.bootloader = new AirbyteBootloader(this, 'Bootloader', {
      name: 'airbyte-bootloader',
      image: airbyteImage('bootloader'),
      runAsUser: AIRBYTE_UID,
      resources: c.bootloader.resources,
      authSecretName: AUTH_SECRET_NAME,
      env: envFor('bootloader', {
        ...common,
        ...database,
        RUN_DATABASE_MIGRATION_ON_STARTUP: 'true',
        // Writes the provided auth values and the dataplane credentials into AUTH_SECRET_NAME (pod.yaml at v1.6.0;
        // AB_AUTH_SECRET_CREATION_ENABLED defaults to true in airbyte-bootloader application.yml).
        AB_KUBERNETES_SECRET_NAME: AUTH_SECRET_NAME,
        AB_INSTANCE_ADMIN_PASSWORD: secret(this.authInputSecret, 'instance-admin-password'),
        AB_INSTANCE_ADMIN_CLIENT_ID: secret(this.authInputSecret, 'instance-admin-client-id'),
        AB_INSTANCE_ADMIN_CLIENT_SECRET: secret(this.authInputSecret, 'instance-admin-client-secret'),
        AB_JWT_SIGNATURE_SECRET: secret(this.authInputSecret, 'jwt-signature-secret'),
        DATAPLANE_CLIENT_ID_SECRET_KEY: 'dataplane-client-id',
        DATAPLANE_CLIENT_SECRET_SECRET_KEY: 'dataplane-client-secret',
      }),
    });

    // Traffic inside the platform.
    this.webapp.connectTo(this.server);
    // nginx proxies /connector-builder-api/ to the builder (CONNECTOR_BUILDER_API_HOST).
    this.webapp.connectTo(this.connectorBuilderServer);
    this.server.connectTo(this.connectorBuilderServer);
    this.connectorBuilderServer.connectTo(this.server);
    for (const w of [this.worker, this.cron, this.workloadApiServer, this.workloadLauncher]) w.connectTo(this.server);
    for (const w of [this.worker, this.cron, this.workloadLauncher]) w.connectTo(this.workloadApiServer);
    for (const w of [this.server, this.worker, this.cron, this.workloadApiServer, this.workloadLauncher]) w.connectTo(this.temporal, ['grpc']);
    // Cloud SQL on its private IP.
    const cloudSql = Peer.ipBlock(db.cidr);
    for (const w of [this.temporal, this.server, this.worker, this.cron, this.workloadApiServer, this.workloadLauncher]) w.allowTo(cloudSql, [{ port: db.port }]);
    this.bootloader.allowTo(cloudSql, [{ port: db.port }]);
    // The Kubernetes API (control plane), for the launcher's job pods and the bootloader's Secret.
    const kubernetesApi = Peer.ipBlock(c.kubernetesApiCidr);
    this.workloadLauncher.allowTo(kubernetesApi, [{ port: 443 }]);
    this.bootloader.allowTo(kubernetesApi, [{ port: 443 }]);
    // GCS (key file) and Google APIs: HTTPS; Workload Identity tokens from the metadata server where configured.
    for (const w of [this.server, this.worker]) {
      w.allowTo(GKE_METADATA_SERVER[0], [{ port: 80 }]);
      w.allowTo(GKE_METADATA_SERVER[1], [{ port: 988 }]);
    }
    for (const w of [this.server, this.worker, this.workloadLauncher]) w.allowTo(Peer.internet(), [{ port: 443 }]);
    // The builder tests connectors against the APIs they read, on the internet.
    this.connectorBuilderServer.allowTo(Peer.internet(), [{ port: 443 }]);
    if (c.metrics.enabled) {
      for (const w of [this.server, this.worker, this.cron, this.workloadApiServer, this.workloadLauncher]) {
        w.allowTo(Peer.ipBlock(c.metrics.endpoint.cidr), [{ port: c.metrics.endpoint.port }]);
      }
    }

    // Job pods (sync, check, discover, spec): sources and destinations anywhere on the internet, on any port; the
    // workload API and the server in this namespace; DNS comes from the namespace baseline.
    const jobPods: INetworkPeer = Peer.pods(ns, { ...JOB_POD_LABELS }, `${ns}/job-pods`);
    this.jobPodPolicy = new WorkloadNetworkPolicy(this, 'JobPodNetworkPolicy', { name: 'airbyte-job-pods', namespace: ns, podLabels: { ...JOB_POD_LABELS } });
    this.jobPodPolicy.addEgress(Peer.internet(), []);
    for (const target of [this.workloadApiServer, this.server]) {
      const ports = target.connectionPorts();
      this.jobPodPolicy.addEgress(target, ports);
      target.acceptConnection(jobPods, ports);
      // The launcher creates the job pods at run time; no rendered pod template carries their label.
      target.networkPolicy.resource.metadata.addAnnotation(exemptionAnnotationKey('ref/netpol-peer-selects-nothing'),
        'admits the job pods (airbyte=job-pod) the workload-launcher creates at run time');
    }

    this.ingress = new GkeIngress(this, 'Ingress', {
      name: 'airbyte',
      staticIpName: c.staticIpName,
      hosts: [
        { host: c.hosts.webapp, paths: [{ backend: this.webapp, healthCheck: { path: HEALTH_PATHS.webapp } }] },
        // Only the public API on the API host: the config API, Micronaut's management endpoints (/env, /loggers)
        // and everything else of the server stay off the internet (other paths get the load balancer's 404).
        { host: c.hosts.api, paths: [{ path: '/api/public', backend: this.server, healthCheck: { path: HEALTH_PATHS.server } }] },
      ],
    });

    // Autopilot caps a container's ephemeral storage at its request: request what the emptyDirs may hold.
    for (const w of [this.temporal, this.connectorBuilderServer, this.server, this.webapp, this.workloadApiServer, this.worker, this.cron, this.workloadLauncher]) {
      requestEphemeralStorage(w.resource, '/spec/template/spec');
    }
    requestEphemeralStorage(this.bootloader.resource, '/spec/template/spec');

    const referenceConfigMap = new k8s.KubeConfigMap(this, 'ReferenceConfigMap', {
      metadata: { name: REFERENCE_CONFIGMAP_NAME, namespace: ns },
      data: Object.fromEntries([...referenceData.keys()].sort().map((k) => [k, referenceData.get(k)!])),
    });

    // The wiring must satisfy the upstream contract: required variables set, addresses naming rendered Services.
    const services = renderedServices(this);
    for (const [component, env] of Object.entries(this.componentEnv) as [AirbyteComponent, Record<string, EnvValue>][]) {
      const problems = contractProblems(component, env, services);
      check(this, problems.length === 0, `env of ${component}`, problems[0]?.split(': ').slice(1).join(': '),
        `${problems.join('; ')}: fix config.extraEnv or the component's env so it matches charts/connectors/airbyte-contract.ts`);
    }

    // Argo CD order: namespace and store; the ExternalSecrets and RBAC; the migrations (bootloader hook) and Temporal;
    // the apps; the load balancer.
    setSyncWave(this.baseline, -3);
    setSyncWave(this.secretStore, -3);
    for (const s of [this.databaseSecret, this.authInputSecret, this.workloadApiSecret, this.gcsSecret]) setSyncWave(s, -2);
    // The bootloader (wave -1) reads it.
    setSyncWave(referenceConfigMap, -2);
    // The Job's ServiceAccount and Role exist before the hook runs.
    for (const o of [this.bootloader.serviceAccount, this.bootloader.role, this.bootloader.roleBinding]) setSyncWave(o, -2);
    setSyncWave(this.bootloader, -1);
    setSyncWave(this.temporal, -1);
    setSyncWave(this.ingress, 1);
    // Everything else (the apps, the launcher's RBAC, the job pods' policy) in wave 0.
    setSyncWave(this, 0);
  }
}

/** The Services a chart renders, with their ports. */
export function renderedServices(chart: Construct): RenderedService[] {
  return chart.node.findAll()
    .filter((o): o is ApiObject => o instanceof ApiObject && o.kind === 'Service')
    .map((o) => {
      const json = o.toJson() as { metadata: { name: string }; spec: { ports?: { port: number }[] } };
      return { name: json.metadata.name, ports: (json.spec.ports ?? []).map((p) => p.port) };
    });
}

/**
 * Sets each container's ephemeral-storage request and limit to the emptyDir sizeLimits it mounts plus its logs.
 * GKE Autopilot evicts a pod whose ephemeral storage exceeds its request, so an emptyDir with a larger sizeLimit
 * than the request is a promise the platform does not keep. Each volume counts once, on the first container mounting it.
 */
function requestEphemeralStorage(resource: ApiObject, specPath: string): void {
  const json = resource.toJson() as { spec: { template: { spec: PodSpecLike } } };
  const spec = json.spec.template.spec;
  const sizes = new Map<string, number>();
  for (const v of spec.volumes ?? []) {
    if (v.emptyDir && v.emptyDir.medium !== 'Memory') sizes.set(v.name, parseQuantity(v.emptyDir.sizeLimit ?? '0') ?? 0);
  }
  const counted = new Set<string>();
  for (const field of ['initContainers', 'containers'] as const) {
    (spec[field] ?? []).forEach((container, i) => {
      let bytes = CONTAINER_LOG_ALLOWANCE;
      for (const m of container.volumeMounts ?? []) {
        if (!sizes.has(m.name) || counted.has(m.name)) continue;
        // Init containers finish before the main ones start; their share is not added to the pod's running total.
        if (field === 'containers') counted.add(m.name);
        bytes += sizes.get(m.name)!;
      }
      const quantity = `${Math.ceil(bytes / (1024 * 1024))}Mi`;
      resource.addJsonPatch(JsonPatch.add(`${specPath}/${field}/${i}/resources/requests/ephemeral-storage`, k8s.Quantity.fromString(quantity)));
      resource.addJsonPatch(JsonPatch.add(`${specPath}/${field}/${i}/resources/limits/ephemeral-storage`, k8s.Quantity.fromString(quantity)));
    });
  }
}

interface PodSpecLike {
  readonly volumes?: { name: string; emptyDir?: { sizeLimit?: string; medium?: string } }[];
  readonly containers?: { volumeMounts?: { name: string }[] }[];
  readonly initContainers?: { volumeMounts?: { name: string }[] }[];
}

export const connectors: PlatformDefinition<ConnectorsEnvironment> = {
  name: 'connectors',
  environments: CONNECTORS_ENVIRONMENTS,
  build: (app: App, environment: ConnectorsEnvironment) => new ConnectorsChart(app, `connectors-${environment}`, { environment }),
};
