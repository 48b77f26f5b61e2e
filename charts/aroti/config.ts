/**
 * Aroti: a FastAPI backend with a Temporal worker, PostgreSQL, Redis, Keycloak and Temporal, behind NGINX Ingress
 * with cert-manager certificates, synced by Argo CD (source: docs/architecture/aroti.md).
 */
import { ContainerResources, EdgeRendering, KeycloakProps, RedisEvictionPolicy, TemporalProps } from '../../lib';

export type ArotiEnvironment = 'staging' | 'production';

export const AROTI_ENVIRONMENTS: readonly ArotiEnvironment[] = ['staging', 'production'];

/** A Secret created out of band, and the keys the platform reads from it. */
export interface SecretSpec<K extends string> {
  /** Secret name. */
  readonly name: string;
  /** Role → key inside the Secret. */
  readonly keys: Readonly<Record<K, string>>;
}

/**
 * The Secrets the platform reads; never rendered (`ExistingSecret`). A Secret can only be referenced from its own
 * namespace, so `postgres-secret` exists in each namespace that logs in to PostgreSQL, holding only that
 * namespace's login (the database namespace holds them all: the init script creates the roles).
 */
export interface ArotiSecrets {
  /** Who creates the Secrets and how, shown to reviewers. */
  readonly managedBy: string;
  /** PostgreSQL passwords: the superuser and the owner of each database. */
  readonly postgres: SecretSpec<'superuser' | 'aroti' | 'keycloak' | 'temporal'>;
  /** Redis `requirepass`, read by Redis and the API (both in the aroti namespace). */
  readonly redis: SecretSpec<'password'>;
  /** Keycloak bootstrap admin and the `aroti-backend` and `temporal-ui` client secrets, in the keycloak namespace. */
  readonly keycloak: SecretSpec<'adminUsername' | 'adminPassword' | 'backendClientSecret' | 'temporalUiClientSecret'>;
  /** The `temporal-ui` client secret again, in the temporal namespace, for the Web UI's OIDC login. */
  readonly temporalUi: SecretSpec<'clientSecret'>;
  /** Backend API secrets in the aroti namespace: the same `aroti-backend` client secret. */
  readonly backend: SecretSpec<'keycloakClientSecret'>;
}

/** The backend API (`aroti-backend-api`) and its Temporal worker. */
export interface ArotiBackendConfig {
  /** Image of the API, its migration and the worker, pinned. */
  readonly image: string;
  /** Port uvicorn listens on and the Service exposes. */
  readonly port: number;
  /** CPU and memory of each API pod (and of the migration). */
  readonly resources: ContainerResources;
  /**
   * HPA bounds and CPU target. The document also lists memory (80 %); it is left out on purpose: a Python process
   * rarely gives memory back, so a memory target would hold the API at maxReplicas (FastApiBackend default).
   */
  readonly autoscaling: { readonly minReplicas: number; readonly maxReplicas: number; readonly cpuPercent: number };
  /** Seconds between liveness checks on `/health`. */
  readonly livenessPeriodSeconds: number;
  /** Seconds between readiness checks on `/ready`. */
  readonly readinessPeriodSeconds: number;
  /** Startup checks on `/health`: attempts × period. */
  readonly startup: { readonly attempts: number; readonly periodSeconds: number };
  /** Init container run before the API starts. */
  readonly migrationCommand: readonly string[];
  /** The Temporal worker: same image, another command. */
  readonly worker: { readonly command: readonly string[]; readonly replicas: number; readonly resources: ContainerResources };
  /** Log level (`LOG_LEVEL`). */
  readonly logLevel: 'debug' | 'info' | 'warning' | 'error';
}

export interface ArotiConfig {
  /** Public host names, each with a cert-manager certificate. */
  readonly hosts: { readonly api: string; readonly auth: string; readonly temporal: string };
  /** How this cluster's edge is rendered: Gateway API on Envoy Gateway, NGINX Ingresses, or both during the move (docs/gateway-api-migration.md). */
  readonly edge: EdgeRendering;
  /**
   * The Let's Encrypt production ClusterIssuer. Every platform of an environment shares one cluster
   * (charts/argocd/config.ts) and expense-tracker already renders `letsencrypt-prod` there; two Argo CD
   * Applications owning one cluster-scoped object fight over it, so aroti renders it only with `render: true`.
   */
  readonly clusterIssuer: { readonly name: string; readonly server: string; readonly email?: string; readonly render: boolean };
  /** Namespaces, as the document names them. */
  readonly namespaces: { readonly app: string; readonly database: string; readonly keycloak: string; readonly temporal: string };
  readonly backend: ArotiBackendConfig;
  /**
   * PostgreSQL 15: one server for the application, Keycloak and Temporal. `maxConnections` must hold every declared
   * pool (the construct fails otherwise): API 15 per pod at its HPA maximum, worker 15 per pod, Keycloak 20 per pod,
   * Temporal 30 per server pod, plus 3 superuser connections.
   */
  readonly postgres: {
    readonly image: string; readonly storageSize: string; readonly storageClassName?: string; readonly resources: ContainerResources;
    readonly maxConnections: number;
  };
  /** Redis cache. */
  readonly redis: {
    readonly image: string; readonly maxmemory: string; readonly maxmemoryPolicy: RedisEvictionPolicy; readonly appendOnly: boolean;
    readonly resources: ContainerResources;
  };
  /** Keycloak with the `aroti` realm. */
  readonly keycloak: {
    readonly image: string;
    readonly replicas: number;
    readonly cache: NonNullable<KeycloakProps['cache']>;
    readonly resources: ContainerResources;
    readonly realm: string;
    /** The iOS app's client: public, PKCE S256. */
    readonly iosClient: { readonly clientId: string; readonly redirectUris: readonly string[] };
    /** The backend's client: confidential. */
    readonly backendClientId: string;
    /**
     * Realm of the operators who may open the Temporal Web UI, apart from the app's end users: the `temporal-ui`
     * client lives only here, and its users are created by an admin (no self-registration), so an app account
     * cannot log in to the UI and terminate workflows.
     */
    readonly staffRealm: string;
  };
  /** Temporal server and Web UI. */
  readonly temporal: {
    readonly mode: NonNullable<TemporalProps['mode']>;
    readonly serverImage: string;
    readonly adminToolsImage: string;
    readonly uiImage: string;
    readonly serverReplicas: number;
    readonly uiReplicas: number;
    /** Temporal namespace the workflows run in. */
    readonly namespace: string;
    /** Days closed workflows stay visible in that namespace. */
    readonly retentionDays: number;
    /** `NUM_HISTORY_SHARDS`; fixed at the first start of an environment's database. */
    readonly numHistoryShards: number;
    /** Web UI without write actions (terminate, cancel, signal, reset). */
    readonly uiReadOnly: boolean;
    readonly serverResources: ContainerResources;
    readonly uiResources: ContainerResources;
  };
  readonly secrets: ArotiSecrets;
}

/**
 * The document names the image only by its Deployment (`aroti-backend-api`), not a registry: the registry is
 * assumed here, and the tag is pinned — CI must push it before a sync.
 */
const BACKEND_IMAGE = 'ghcr.io/aroti/aroti-backend-api:1.0.0';

const BASE: ArotiConfig = {
  hosts: { api: 'api.aroti.com', auth: 'auth.aroti.com', temporal: 'temporal.aroti.com' },
  // The document runs ingress-nginx; production (shared with aurontek) stays on it until switched here.
  edge: 'ingress-nginx',
  // aroti has a cluster of its own (charts/argocd/config.ts), so it owns its issuer.
  clusterIssuer: { name: 'letsencrypt-prod', server: 'https://acme-v02.api.letsencrypt.org/directory', render: true },
  namespaces: { app: 'aroti', database: 'database', keycloak: 'keycloak', temporal: 'temporal' },
  backend: {
    image: BACKEND_IMAGE,
    port: 8888,
    resources: { cpuRequest: '500m', memoryRequest: '512Mi', cpuLimit: '1000m', memoryLimit: '1024Mi' },
    autoscaling: { minReplicas: 2, maxReplicas: 10, cpuPercent: 70 },
    livenessPeriodSeconds: 30,
    readinessPeriodSeconds: 10,
    startup: { attempts: 12, periodSeconds: 10 },
    migrationCommand: ['alembic', 'upgrade', 'head'],
    worker: {
      command: ['python', '-m', 'app.workflows.worker'],
      replicas: 2,
      resources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1024Mi' },
    },
    logLevel: 'info',
  },
  postgres: {
    image: 'postgres:15.10-alpine',
    storageSize: '20Gi',
    resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    // 10 × 15 + 2 × 15 + 2 × 20 + 30 = 250 declared, + 3 reserved: 300 leaves room for psql and a rollout.
    maxConnections: 300,
  },
  redis: {
    image: 'redis:7.4.1-alpine',
    maxmemory: '256Mi',
    maxmemoryPolicy: 'allkeys-lru',
    // The document's Redis is ephemeral (in-memory): an AOF on an emptyDir only adds rewrite forks, which need
    // twice maxmemory within the 384Mi limit, for data that dies with the pod anyway.
    appendOnly: false,
    resources: { cpuRequest: '100m', memoryRequest: '384Mi', memoryLimit: '384Mi' },
  },
  keycloak: {
    image: 'quay.io/keycloak/keycloak:26.0.7',
    replicas: 2,
    cache: 'ispn',
    resources: { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    realm: 'aroti',
    // The app's callback scheme is not in the document; assumed, confirm with the iOS team.
    iosClient: { clientId: 'aroti-ios', redirectUris: ['com.aroti.app:/oauth2redirect'] },
    backendClientId: 'aroti-backend',
    staffRealm: 'aroti-staff',
  },
  temporal: {
    // The document's layout; switch to 'production' for temporalio/server with a schema hook Job.
    mode: 'auto-setup',
    serverImage: 'temporalio/auto-setup:1.22.4',
    adminToolsImage: 'temporalio/admin-tools:1.22.4',
    uiImage: 'temporalio/ui:2.21.3',
    serverReplicas: 1,
    uiReplicas: 1,
    namespace: 'default',
    retentionDays: 7,
    // Temporal's guidance for a small production cluster; it can never change without a new database.
    numHistoryShards: 512,
    // Staff terminate or reset stuck workflows from the UI; the staff realm is what keeps app users out.
    uiReadOnly: false,
    serverResources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    uiResources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  },
  secrets: {
    managedBy: 'created per environment by the platform team with kubectl create secret generic (the document\'s "Current: Kubernetes Secrets"), before the first sync',
    postgres: { name: 'postgres-secret', keys: { superuser: 'postgres-password', aroti: 'aroti-password', keycloak: 'keycloak-password', temporal: 'temporal-password' } },
    redis: { name: 'redis-secret', keys: { password: 'password' } },
    keycloak: {
      name: 'keycloak-secret',
      keys: { adminUsername: 'admin-username', adminPassword: 'admin-password', backendClientSecret: 'aroti-backend-client-secret', temporalUiClientSecret: 'temporal-ui-client-secret' },
    },
    temporalUi: { name: 'temporal-ui-oidc', keys: { clientSecret: 'client-secret' } },
    backend: { name: 'aroti-backend-secrets', keys: { keycloakClientSecret: 'keycloak-client-secret' } },
  },
};

/** Settings per environment: production is the document; staging is smaller with the same shape. */
export const AROTI_CONFIG: Readonly<Record<ArotiEnvironment, ArotiConfig>> = {
  production: BASE,
  // Staging host names are assumed; the document describes production only.
  staging: {
    ...BASE,
    hosts: { api: 'api.staging.aroti.com', auth: 'auth.staging.aroti.com', temporal: 'temporal.staging.aroti.com' },
    edge: 'gateway-api',
    backend: {
      ...BASE.backend,
      autoscaling: { ...BASE.backend.autoscaling, maxReplicas: 4 },
      worker: { ...BASE.backend.worker, replicas: 1 },
      logLevel: 'debug',
    },
    // 4 × 15 + 1 × 15 + 1 × 20 + 30 = 125 declared, + 3 reserved.
    postgres: { ...BASE.postgres, storageSize: '10Gi', resources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' }, maxConnections: 150 },
    temporal: { ...BASE.temporal, numHistoryShards: 4 },
    keycloak: {
      ...BASE.keycloak,
      replicas: 1,
      cache: 'local',
      iosClient: { ...BASE.keycloak.iosClient, redirectUris: ['com.aroti.app.staging:/oauth2redirect'] },
    },
  },
};
